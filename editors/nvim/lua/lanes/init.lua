-- lanes.nvim: one ticket → one branch → one git worktree, from Neovim.
-- The `lanes lsp` server does the work; this plugin starts it, shows its status, and turns its
-- commands into :Lanes subcommands with pickers (vim.ui.select / vim.ui.input, so telescope,
-- fzf-lua or dressing take over when installed).
local config = require('lanes.config')
local lsp = require('lanes.lsp')
local status = require('lanes.status')

local M = {}

local function notify(message, level)
  vim.notify('lanes: ' .. message, level or vim.log.levels.INFO)
end

--- A JSON string field, or nil (JSON null arrives as nil or vim.NIL depending on the decoder).
local function str(value)
  return type(value) == 'string' and value or nil
end

--- True when the error says no ticket provider is configured (then a key is simply asked for).
local function no_provider(err)
  return type(err) == 'table' and type(err.message) == 'string' and err.message:find('no ticket provider is configured', 1, true) ~= nil
end

local function err_message(err)
  if type(err) ~= 'table' then
    return tostring(err)
  end
  local text = err.message or vim.inspect(err)
  local hints = type(err.data) == 'table' and err.data.hints or nil
  if type(hints) == 'table' then
    for _, hint in ipairs(hints) do
      text = text .. '\n  hint: ' .. tostring(hint)
    end
  end
  return text
end

--- Configures the plugin and registers the language server.
---@param opts lanes.Options|nil
function M.setup(opts)
  config.set(opts)
  lsp.setup()
  -- The code action "Start a lane for a ticket…" asks for the key here.
  vim.lsp.commands['lanes.start'] = function(command)
    local arg = command.arguments and command.arguments[1]
    M.start(type(arg) == 'table' and arg.ticket or nil)
  end
end

--- The current lane for a statusline ("" outside lanes); cheap enough for every redraw.
function M.statusline()
  return status.line()
end

--- The raw status table of the current lane (or nil).
function M.status()
  return status.current()
end

local function lane_label(lane)
  local ticket = str(lane.ticket) or (lane.primary and '(primary)' or '-')
  local branch = str(lane.branch) or '(detached)'
  local bits = { ticket, branch }
  if type(lane.dirty) == 'number' and lane.dirty > 0 then
    table.insert(bits, lane.dirty .. '●')
  end
  if type(lane.ahead) == 'number' then
    table.insert(bits, ('↑%d ↓%d'):format(lane.ahead, lane.behind or 0))
  end
  if type(lane.pr) == 'number' then
    table.insert(bits, 'PR#' .. lane.pr)
  end
  return table.concat(bits, '  ')
end

--- Lists lanes and lets the user pick one (primary excluded unless `with_primary`; the lane at
--- the directory `except` excluded).
local function pick_lane(prompt, with_primary, callback, except)
  lsp.execute('lanes.list', {}, function(err, result)
    if err then
      return notify(err_message(err), vim.log.levels.ERROR)
    end
    local lanes = vim.tbl_filter(function(l)
      return (with_primary or not l.primary) and l.path ~= except
    end, result and result.lanes or {})
    if #lanes == 0 then
      return notify('no lanes yet: start one with :Lanes start KEY')
    end
    vim.ui.select(lanes, { prompt = prompt, format_item = lane_label }, function(choice)
      if choice then
        callback(choice)
      end
    end)
  end)
end

--- After a switch from the worktree `old` to `new`: this tab's windows showing files of the old
--- lane show the same files in the new one where they exist, cursor kept (a buffer with unsaved
--- changes stays as it is); the old lane's unmodified hidden buffers are closed; its language
--- server client stops once no buffer uses it — one client per lane in use, never a stale one.
local function rehome(old, new)
  if not old or old == new then
    return
  end
  local prefix = old .. '/'
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    local buf = vim.api.nvim_win_get_buf(win)
    local name = vim.api.nvim_buf_get_name(buf)
    local target = new .. '/' .. name:sub(#prefix + 1)
    if vim.startswith(name, prefix) and not vim.bo[buf].modified and vim.fn.filereadable(target) == 1 then
      local cursor = vim.api.nvim_win_get_cursor(win)
      vim.api.nvim_win_call(win, function()
        vim.cmd.edit(vim.fn.fnameescape(target))
      end)
      local last = vim.api.nvim_buf_line_count(vim.api.nvim_win_get_buf(win))
      vim.api.nvim_win_set_cursor(win, { math.min(cursor[1], last), cursor[2] })
    end
  end
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    local name = vim.api.nvim_buf_get_name(buf)
    local hidden = #vim.fn.win_findbuf(buf) == 0
    if vim.startswith(name, prefix) and hidden and not vim.bo[buf].modified then
      pcall(vim.api.nvim_buf_delete, buf, {})
    end
  end
  lsp.stop_unused(old)
end

--- Calls `fn(lane)` with the lane `name` names (any name `lanes switch` takes); an error is
--- shown instead.
local function with_lane(name, fn)
  lsp.execute('lanes.switch', { ticket = name }, function(err, lane)
    if err then
      return notify(err_message(err), vim.log.levels.ERROR)
    end
    fn(lane)
  end)
end

local function enter(path)
  local how = config.options.switch
  local old = lsp.toplevel(vim.fn.getcwd())
  if how == 'tab' then
    vim.cmd('tabnew')
    vim.cmd.tcd(vim.fn.fnameescape(path))
    return
  elseif how == 'cd' then
    vim.cmd.cd(vim.fn.fnameescape(path))
  else
    vim.cmd.tcd(vim.fn.fnameescape(path))
  end
  rehome(old, path)
end

--- Starts (or reports) the lane of `ticket`; asks for the key when nil.
function M.start(ticket)
  if not ticket or ticket == '' then
    local function ask()
      vim.ui.input({ prompt = 'Ticket key (e.g. PROJ-123): ' }, function(input)
        if input and input ~= '' then
          M.start(input)
        end
      end)
    end
    -- With a ticket provider, pick one of "my tickets"; otherwise type the key. A provider's
    -- error is shown, then the key asked for.
    lsp.execute('lanes.tickets', {}, function(err, result)
      if err and not no_provider(err) then
        notify('your tickets could not be listed: ' .. err_message(err), vim.log.levels.WARN)
      end
      local tickets = not err and result and result.tickets or {}
      if #tickets == 0 then
        return ask()
      end
      vim.ui.select(tickets, {
        prompt = 'Start a lane for',
        format_item = function(t)
          return ('%s  %s  %s'):format(t.key, str(t.status) or '', t.title)
        end,
      }, function(choice)
        if choice then
          M.start(choice.key)
        end
      end)
    end)
    return
  end
  lsp.execute('lanes.start', { ticket = ticket }, function(err, result)
    if err then
      return notify(err_message(err), vim.log.levels.ERROR)
    end
    local lane = result.lane
    local verb = result.created and 'Started' or 'Already there:'
    notify(('%s lane %s on %s at %s'):format(verb, lane.ticket, lane.branch, lane.path))
  end)
end

--- Switches to a lane: picks one when `ticket` is nil.
function M.switch(ticket)
  local function go(lane)
    enter(lane.path)
    notify(('now in lane %s (%s)'):format(str(lane.ticket) or '(primary)', lane.path))
  end
  -- A ticket spanning several repositories offers the list of its folders.
  local function go_multi(group)
    vim.ui.select(group.lanes, {
      prompt = group.ticket .. ': which repository',
      format_item = function(l)
        return l.repo .. '  ' .. l.lane.path
      end,
    }, function(choice)
      if choice then
        go(choice.lane)
      end
    end)
  end
  if ticket and ticket ~= '' then
    with_lane(ticket, go)
  else
    lsp.execute('lanes.list', { all = true }, function(err, result)
      local multi = vim.tbl_filter(function(g)
        return #g.lanes > 1
      end, not err and result and result.tickets or {})
      if #multi == 0 then
        return pick_lane('Switch to lane', true, go)
      end
      lsp.execute('lanes.list', {}, function(err2, single)
        if err2 then
          return notify(err_message(err2), vim.log.levels.ERROR)
        end
        local items = {}
        for _, g in ipairs(multi) do
          table.insert(items, { multi = g })
        end
        for _, l in ipairs(single.lanes or {}) do
          table.insert(items, { lane = l })
        end
        vim.ui.select(items, {
          prompt = 'Switch to lane',
          format_item = function(item)
            if item.multi then
              return ('%s  (%d repositories)'):format(item.multi.ticket, #item.multi.lanes)
            end
            return lane_label(item.lane)
          end,
        }, function(choice)
          if choice and choice.multi then
            go_multi(choice.multi)
          elseif choice then
            go(choice.lane)
          end
        end)
      end)
    end)
  end
end

--- Syncs pull requests into lanes.
function M.sync()
  local opts = config.options.sync or {}
  local args = { reviewRequested = opts.review_requested == true, prune = opts.prune == true }
  lsp.execute('lanes.sync', args, function(err, result)
    if err then
      return notify(err_message(err), vim.log.levels.WARN)
    end
    local counts, problems = {}, {}
    for _, repo in ipairs(result.repos or {}) do
      for _, pull in ipairs(repo.pulls or {}) do
        local action = pull.action:gsub('-', ' ')
        counts[action] = (counts[action] or 0) + 1
        if pull.reason and pull.reason ~= vim.NIL then
          table.insert(problems, pull.reason)
        end
      end
      for _, closed in ipairs(repo.closed or {}) do
        if closed.removed then
          counts.removed = (counts.removed or 0) + 1
        end
      end
      if repo.error and repo.error ~= vim.NIL then
        table.insert(problems, repo.repo .. ': ' .. repo.error)
      end
    end
    local parts = {}
    for _, action in ipairs({ 'created', 'updated', 'up to date', 'skipped', 'removed' }) do
      if counts[action] then
        table.insert(parts, ('%d %s'):format(counts[action], action))
      end
    end
    local text = #parts > 0 and ('pull requests synced: ' .. table.concat(parts, ', ')) or 'no open pull requests to sync'
    if #problems > 0 then
      notify(text .. '\n' .. table.concat(problems, '\n'), vim.log.levels.WARN)
    else
      notify(text)
    end
  end)
end

--- Removes a lane; offers "Force" when the server refuses to lose work.
function M.remove(ticket, force)
  local function run(key, forced)
    lsp.execute('lanes.remove', { ticket = key, force = forced or false }, function(err, result)
      if err then
        local kind = type(err.data) == 'table' and err.data.kind or nil
        if kind == 'refused' and not forced then
          notify(err_message(err), vim.log.levels.WARN)
          vim.ui.select({ 'Cancel', 'Force remove (discards that work)' }, { prompt = 'Remove lane ' .. key .. '?' }, function(choice)
            if choice and choice:match('^Force') then
              run(key, true)
            end
          end)
          return
        end
        return notify(err_message(err), vim.log.levels.ERROR)
      end
      notify(('removed lane %s (%s)'):format(result.ticket, result.path))
    end)
  end
  if ticket and ticket ~= '' then
    run(ticket, force)
  else
    pick_lane('Remove lane', false, function(lane)
      run(lane.ticket, force)
    end)
  end
end

--- Opens the current file in another lane.
function M.open(ticket)
  local uri = vim.uri_from_bufnr(0)
  local line = vim.api.nvim_win_get_cursor(0)[1]
  local function go(key)
    lsp.execute('lanes.openInLane', { uri = uri, ticket = key }, function(err, result)
      if err then
        return notify(err_message(err), vim.log.levels.ERROR)
      end
      if not result.exists then
        notify(('%s does not exist in lane %s'):format(vim.fn.fnamemodify(result.path, ':~:.'), key), vim.log.levels.WARN)
      end
      vim.cmd.edit(vim.fn.fnameescape(result.path))
      -- Same line in the other copy (as far as it goes).
      local last = vim.api.nvim_buf_line_count(0)
      vim.api.nvim_win_set_cursor(0, { math.min(line, last), 0 })
    end)
  end
  if ticket and ticket ~= '' then
    go(ticket)
  else
    pick_lane('Open this file in lane', false, function(lane)
      go(lane.ticket)
    end)
  end
end

--- Prints every lane.
function M.list()
  lsp.execute('lanes.list', {}, function(err, result)
    if err then
      return notify(err_message(err), vim.log.levels.ERROR)
    end
    local lines = {}
    for _, lane in ipairs(result.lanes or {}) do
      table.insert(lines, lane_label(lane) .. '  ' .. lane.path)
    end
    vim.api.nvim_echo({ { table.concat(lines, '\n') } }, true, {})
  end)
end

--- Fills the quickfix list with every file two sides change (conflicts first), one entry per
--- pair in this window's lane when it is part of it, and opens it.
function M.check()
  lsp.execute('lanes.check', {}, function(err, result)
    if err then
      return notify(err_message(err), vim.log.levels.ERROR)
    end
    local here = M.status()
    local root = here and str(here.path) or vim.fn.getcwd()
    local items = {}
    for _, file in ipairs(result.files or {}) do
      for _, pair in ipairs(file.pairs or {}) do
        local lnum = (pair.lines and pair.lines[1] and pair.lines[1].start) or 1
        local mine = (pair.a.path == root) and pair.a or ((pair.b.path == root) and pair.b or pair.a)
        local dir = str(mine.path) or root
        table.insert(items, {
          filename = dir .. '/' .. file.path,
          lnum = math.max(lnum, 1),
          type = pair.kind == 'conflict' and 'W' or 'I',
          text = ('%s × %s: %s'):format(pair.a.name, pair.b.name, pair.kind),
        })
      end
    end
    vim.fn.setqflist({}, ' ', { title = 'lanes check', items = items })
    if #items == 0 then
      return notify('no file is changed in more than one lane')
    end
    vim.cmd('copen')
  end)
end

--- Opens a terminal in the window's lane (or KEY's) running `agent_command`, with the lane's
--- LANES_* variables (as `lanes start --exec` gives a command).
function M.agent(ticket)
  local function open(lane)
    local env = { LANES_PATH = lane.path }
    if str(lane.ticket) then
      env.LANES_TICKET = lane.ticket
    end
    if str(lane.branch) then
      env.LANES_BRANCH = lane.branch
    end
    if str(lane.base) then
      env.LANES_BASE = lane.base
    end
    if type(lane.port) == 'number' then
      env.LANES_PORT = tostring(lane.port)
    end
    local context = lane.path .. '/.lanes/ticket.md'
    if vim.fn.filereadable(context) == 1 then
      env.LANES_TICKET_FILE = context
    end
    local command = config.options.agent_command
    if command == '' then
      command = vim.o.shell
    end
    vim.cmd('botright split')
    vim.cmd.enew()
    vim.fn.jobstart(command, { term = true, cwd = lane.path, env = env })
    vim.cmd.startinsert()
  end
  if ticket and ticket ~= '' then
    with_lane(ticket, open)
  else
    local lane = M.status()
    if not lane or not str(lane.path) then
      return notify('no lane in this window: :Lanes agent KEY', vim.log.levels.WARN)
    end
    open(lane)
  end
end

--- Pushes the window's lane (or lane `ticket`) and opens or updates its pull request.
function M.pr(ticket)
  local args = {}
  if ticket and ticket ~= '' then
    args.ticket = ticket
  end
  notify('opening the pull request…')
  lsp.execute('lanes.pr', args, function(err, result)
    if err then
      return notify(err_message(err), vim.log.levels.ERROR)
    end
    local verb = result.created and 'opened' or 'updated'
    local draft = result.draft and ' (draft)' or ''
    notify(('%s pull request #%d%s: %s → %s\n%s'):format(verb, result.number, draft, result.branch, result.base, result.url))
  end)
end

--- Removes the merged lanes (merged, rebased or squash-merged into their base) after asking.
function M.prune()
  lsp.execute('lanes.pruneMerged', { dryRun = true }, function(err, preview)
    if err then
      return notify(err_message(err), vim.log.levels.ERROR)
    end
    local going = {}
    for _, lane in ipairs(preview.removed or {}) do
      table.insert(going, lane.ticket)
    end
    if #going == 0 then
      return notify('no merged lanes')
    end
    local prompt = ('Remove the merged lanes %s (their work is in the base; all kept in the trash)?'):format(table.concat(going, ', '))
    vim.ui.select({ 'Remove', 'Cancel' }, { prompt = prompt }, function(choice)
      if choice ~= 'Remove' then
        return
      end
      lsp.execute('lanes.pruneMerged', {}, function(err2, done)
        if err2 then
          return notify(err_message(err2), vim.log.levels.ERROR)
        end
        local removed, kept = {}, {}
        for _, lane in ipairs(done.removed or {}) do
          table.insert(removed, lane.ticket)
        end
        for _, lane in ipairs(done.kept or {}) do
          table.insert(kept, ('%s (%s)'):format(lane.ticket, lane.reason))
        end
        local text = 'removed ' .. table.concat(removed, ', ')
        if #kept > 0 then
          text = text .. '; kept ' .. table.concat(kept, '; ')
        end
        notify(text)
      end)
    end)
  end)
end

--- Your open tickets from the provider; picking one enters its lane, or starts one.
function M.tickets()
  lsp.execute('lanes.tickets', {}, function(err, result)
    if err then
      if no_provider(err) then
        return notify('no ticket provider is configured: set provider = "jira" or "github" in lanes.toml (see `lanes doctor`), or :Lanes start KEY', vim.log.levels.WARN)
      end
      return notify('your tickets could not be listed: ' .. err_message(err), vim.log.levels.ERROR)
    end
    local tickets = result and result.tickets or {}
    if #tickets == 0 then
      return notify('no open tickets are assigned to you')
    end
    vim.ui.select(tickets, {
      prompt = 'Your open tickets (● has a lane)',
      format_item = function(t)
        return ('%s %s  %s  %s'):format(str(t.lane) and '●' or '○', t.key, str(t.status) or '', t.title)
      end,
    }, function(choice)
      if not choice then
        return
      end
      if str(choice.lane) then
        enter(choice.lane)
        notify(('now in lane %s (%s)'):format(choice.key, choice.lane))
      else
        M.start(choice.key)
      end
    end)
  end)
end

--- Moves the uncommitted change of the current file on the cursor's line (or the lines of
--- `:'<,'>Lanes move`) to lane `ticket` (picked when nil); the buffer is saved first, since the
--- change moves on disk. When it does not apply cleanly, offers conflict markers.
function M.move(ticket, _, opts)
  local buf = vim.api.nvim_get_current_buf()
  if vim.bo[buf].buftype ~= '' or vim.api.nvim_buf_get_name(buf) == '' then
    return notify('open the file whose change should move first', vim.log.levels.WARN)
  end
  vim.cmd('silent update')
  local first, last
  if opts and opts.range and opts.range > 0 then
    first, last = opts.line1, opts.line2
  else
    first = vim.api.nvim_win_get_cursor(0)[1]
    last = first
  end
  local argument = {
    uri = vim.uri_from_bufnr(buf),
    range = { start = { line = first - 1, character = 0 }, ['end'] = { line = last - 1, character = 0 } },
  }
  local function done(moved)
    vim.cmd('checktime')
    local markers = #(moved.conflicts or {}) > 0 and (' (conflict markers in %s)'):format(table.concat(moved.conflicts, ', ')) or ''
    notify(('moved %d hunk(s) of %s to lane %s%s'):format(moved.hunks, table.concat(moved.files, ', '), moved.to, markers))
  end
  local function go(key)
    argument.ticket = key
    lsp.execute('lanes.moveChange', argument, function(err, moved)
      if not err then
        return done(moved)
      end
      local kind = type(err.data) == 'table' and err.data.kind or nil
      if kind ~= 'conflict' then
        return notify(err_message(err), vim.log.levels.ERROR)
      end
      notify(err_message(err), vim.log.levels.WARN)
      vim.ui.select({ 'Cancel', 'Move with conflict markers' }, { prompt = 'Move to lane ' .. key .. '?' }, function(choice)
        if choice ~= 'Move with conflict markers' then
          return
        end
        argument.threeWay = true
        lsp.execute('lanes.moveChange', argument, function(err2, moved2)
          if err2 then
            return notify(err_message(err2), vim.log.levels.ERROR)
          end
          done(moved2)
        end)
      end)
    end)
  end
  if ticket and ticket ~= '' then
    go(ticket)
  else
    local here = lsp.toplevel(vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':p:h'))
    pick_lane('Move the change to lane', false, function(lane)
      go(lane.ticket)
    end, here)
  end
end

--- Subcommands of :Lanes.
M.subcommands = {
  start = M.start,
  switch = M.switch,
  sync = M.sync,
  remove = M.remove,
  open = M.open,
  list = M.list,
  pr = M.pr,
  prune = M.prune,
  agent = M.agent,
  check = M.check,
  move = M.move,
  tickets = M.tickets,
}

--- :Lanes {sub} [KEY] [--force]
function M.command(opts)
  local args = opts.fargs
  local sub = args[1]
  local fn = sub and M.subcommands[sub]
  if not fn then
    return notify('usage: :Lanes start|switch|sync|remove|open|list|pr|prune|agent|check|move|tickets [KEY]', vim.log.levels.ERROR)
  end
  fn(args[2], args[3] == '--force' or opts.bang, opts)
end

--- Completion of subcommands and ticket keys.
function M.complete(arglead, cmdline)
  local words = vim.split(cmdline, '%s+', { trimempty = true })
  local completing_sub = #words < 2 or (#words == 2 and arglead ~= '')
  if completing_sub then
    return vim.tbl_filter(function(s)
      return s:find(arglead, 1, true) == 1
    end, vim.tbl_keys(M.subcommands))
  end
  if vim.tbl_contains({ 'start', 'list', 'sync', 'prune', 'check', 'tickets' }, words[2]) then
    return {}
  end
  local result = lsp.execute_sync('lanes.list', {}, 1000)
  local keys = {}
  for _, lane in ipairs(result and result.lanes or {}) do
    if str(lane.ticket) and lane.ticket:find(arglead, 1, true) == 1 then
      table.insert(keys, lane.ticket)
    end
  end
  return keys
end

return M
