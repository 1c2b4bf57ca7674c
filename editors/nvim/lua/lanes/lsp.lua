-- Starts `lanes lsp` through Neovim's built-in client: vim.lsp.config + vim.lsp.enable on 0.11,
-- vim.lsp.start on 0.10. One client per repository, rooted at the lane of the current directory,
-- serves every buffer of that repository — so a file of another lane is seen from this lane.
local config = require('lanes.config')
local status = require('lanes.status')

local M = {}

local roots = {}

--- (toplevel, common git dir) of the repository holding `dir`, or nil; cached per directory.
local function repo_of(dir)
  if roots[dir] ~= nil then
    return roots[dir] or nil
  end
  local out = vim.system({ 'git', '-C', dir, 'rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir' }, { text = true }):wait()
  if out.code ~= 0 then
    roots[dir] = false
    return nil
  end
  local lines = vim.split(vim.trim(out.stdout), '\n')
  roots[dir] = { top = lines[1], common = lines[2] }
  return roots[dir]
end

--- The top of the worktree holding `dir` (a lane or the primary checkout), or nil.
function M.toplevel(dir)
  local repo = repo_of(dir)
  return repo and repo.top or nil
end

--- Stops every lanes client rooted at `root` that no buffer uses any more.
function M.stop_unused(root)
  for _, client in ipairs(vim.lsp.get_clients({ name = 'lanes' })) do
    if client.root_dir == root and vim.tbl_isempty(vim.lsp.get_buffers_by_client_id(client.id)) then
      if vim.fn.has('nvim-0.11') == 1 then
        client:stop()
      else
        client.stop()
      end
    end
  end
end

--- The root for a buffer: the lane of the current directory when the buffer's file is in the same
--- repository, else the buffer's own worktree.
local function root_for(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local file_dir = vim.fs.dirname(name)
  if vim.fn.isdirectory(file_dir) == 0 then
    return nil
  end
  local file_repo = repo_of(file_dir)
  if not file_repo then
    return nil
  end
  local cwd_repo = repo_of(vim.fn.getcwd())
  if cwd_repo and cwd_repo.common == file_repo.common then
    return cwd_repo.top
  end
  return file_repo.top
end

local progress_titles = {}

local handlers = {
  ['lanes/status'] = function(_, result, ctx)
    status.update(ctx.client_id, result)
  end,
  ['$/progress'] = function(err, result, ctx)
    if config.options.progress and result and type(result.value) == 'table' then
      local v = result.value
      local key = ctx.client_id .. ':' .. tostring(result.token)
      if v.kind == 'begin' then
        progress_titles[key] = v.title
        vim.notify('lanes: ' .. (v.title or '') .. '…', vim.log.levels.INFO)
      elseif v.kind == 'report' and v.message then
        vim.notify('lanes: ' .. v.message, vim.log.levels.INFO)
      elseif v.kind == 'end' then
        progress_titles[key] = nil
      end
    end
    return vim.lsp.handlers['$/progress'](err, result, ctx)
  end,
}

--- The client configuration.
function M.client_config()
  return {
    name = 'lanes',
    cmd = config.options.cmd,
    init_options = config.options.settings,
    settings = { lanes = config.options.settings },
    handlers = handlers,
  }
end

local group = vim.api.nvim_create_augroup('lanes', { clear = true })

--- Attaches `bufnr` on Neovim 0.10 (and to buffers without a filetype on 0.11).
local function start_for(bufnr)
  local root = root_for(bufnr)
  if not root then
    return
  end
  local cfg = M.client_config()
  cfg.root_dir = root
  cfg.workspace_folders = { { uri = vim.uri_from_fname(root), name = root } }
  vim.lsp.start(cfg, { bufnr = bufnr })
end

--- Registers the client (idempotent). Without the binary, says so once instead of failing on
--- every buffer.
function M.setup()
  vim.api.nvim_clear_autocmds({ group = group })
  local missing = M.missing_binary()
  if missing then
    if vim.fn.has('nvim-0.11') == 1 then
      vim.lsp.enable('lanes', false)
    end
    vim.schedule(function()
      vim.notify('lanes: ' .. missing, vim.log.levels.WARN)
    end)
    return
  end
  if vim.fn.has('nvim-0.11') == 1 then
    local cfg = M.client_config()
    cfg.root_dir = function(bufnr, on_dir)
      local root = root_for(bufnr)
      if root then
        on_dir(root)
      end
    end
    vim.lsp.config('lanes', cfg)
    vim.lsp.enable('lanes')
    -- vim.lsp.enable attaches on FileType; files without a filetype are attached here.
    vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
      group = group,
      callback = function(ev)
        vim.schedule(function()
          if vim.api.nvim_buf_is_valid(ev.buf) and vim.bo[ev.buf].filetype == '' then
            start_for(ev.buf)
          end
        end)
      end,
    })
  else
    vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
      group = group,
      callback = function(ev)
        start_for(ev.buf)
      end,
    })
  end
  -- The lane may change with the directory: forget cached roots.
  vim.api.nvim_create_autocmd('DirChanged', {
    group = group,
    callback = function()
      roots = {}
    end,
  })
end

--- The lanes client for the current buffer, else any lanes client, else one started for the
--- current directory.
function M.client()
  local clients = vim.lsp.get_clients({ name = 'lanes', bufnr = 0 })
  local cwd_repo = repo_of(vim.fn.getcwd())
  if #clients == 0 and cwd_repo then
    for _, c in ipairs(vim.lsp.get_clients({ name = 'lanes' })) do
      if c.root_dir == cwd_repo.top then
        clients = { c }
      end
    end
  end
  if #clients > 0 then
    return clients[1]
  end
  if not cwd_repo then
    return nil
  end
  local cfg = M.client_config()
  cfg.root_dir = cwd_repo.top
  cfg.workspace_folders = { { uri = vim.uri_from_fname(cwd_repo.top), name = cwd_repo.top } }
  local id = vim.lsp.start(cfg, { attach = false })
  return id and vim.lsp.get_client_by_id(id) or nil
end

--- Command arguments as one JSON object (an empty Lua table would be sent as `[]`).
local function command_params(command, argument)
  if argument == nil or vim.tbl_isempty(argument) then
    argument = vim.empty_dict()
  end
  return { command = command, arguments = { argument } }
end

--- Waits (up to 10 s) for a client started just now to finish initializing.
local function ready(client)
  if client and not client.initialized then
    vim.wait(10000, function()
      return client.initialized or client:is_stopped()
    end, 10)
  end
  return client and client.initialized and client or nil
end

--- Why the server cannot run, when its binary is missing; nil when it is there.
function M.missing_binary()
  local cmd = config.options.cmd or {}
  if cmd[1] and vim.fn.executable(cmd[1]) == 1 then
    return nil
  end
  return ('the `lanes` binary was not found (%s): install it with `cargo install --path server` in the lanes repository, or set `cmd` in require("lanes").setup(); see :checkhealth lanes'):format(cmd[1] or 'no cmd')
end

--- Runs a server command; `callback(err, result)` on the main loop.
function M.execute(command, argument, callback)
  local missing = M.missing_binary()
  if missing then
    callback({ message = missing }, nil)
    return
  end
  local client = ready(M.client())
  if not client then
    callback({ message = 'not in a git repository: open a file of one, or :cd into it' }, nil)
    return
  end
  local params = command_params(command, argument)
  local request = client.request
  local handler = function(err, result)
    vim.schedule(function()
      callback(err, result)
    end)
  end
  if vim.fn.has('nvim-0.11') == 1 then
    client:request('workspace/executeCommand', params, handler)
  else
    request('workspace/executeCommand', params, handler)
  end
end

--- Runs a server command synchronously (for completion); nil on failure.
function M.execute_sync(command, argument, timeout)
  local client = ready(M.client())
  if not client then
    return nil
  end
  local params = command_params(command, argument)
  local response
  if vim.fn.has('nvim-0.11') == 1 then
    response = client:request_sync('workspace/executeCommand', params, timeout or 1000)
  else
    response = client.request_sync('workspace/executeCommand', params, timeout or 1000)
  end
  return response and response.result or nil
end

return M
