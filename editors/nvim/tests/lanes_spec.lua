-- End to end in a real headless Neovim: nvim --clean --headless -l tests/lanes_spec.lua
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/helpers.lua')
local lanes = require('lanes')

local function setup(opts)
  lanes.setup(vim.tbl_extend('force', { cmd = { H.bin, 'lsp' } }, opts or {}))
end

H.run_tests({
  {
    'Lanes start creates the worktree and the statusline shows the lane after switching',
    function()
      local repo = H.repo()
      setup()
      vim.cmd.cd(repo.dir)
      vim.cmd.edit(repo.dir .. '/README.md')
      H.wait('the lanes client', function()
        return #vim.lsp.get_clients({ name = 'lanes', bufnr = 0 }) > 0
      end)
      H.wait('the primary checkout in the statusline', function()
        return lanes.statusline() == 'main · ↑0 ↓0'
      end)
      vim.cmd('Lanes start PROJ-1')
      H.wait('the checked-out lane', function()
        return vim.fn.filereadable(repo.lane('PROJ-1') .. '/src/app.txt') == 1
      end)
      H.contains(H.git(repo.dir, 'worktree', 'list', '--porcelain'), 'branch refs/heads/feature/PROJ-1', 'git worktree list')
      vim.cmd('Lanes switch PROJ-1')
      H.wait('the tab-local directory', function()
        return vim.fn.getcwd() == repo.lane('PROJ-1')
      end)
      vim.cmd.edit(repo.lane('PROJ-1') .. '/README.md')
      H.wait('the lane in the statusline', function()
        return lanes.statusline():find('PROJ-1', 1, true) == 1
      end)
      H.eq('PROJ-1', lanes.status().ticket, 'status ticket')
    end,
  },
  {
    'a file also changed in another lane gets the also-changed diagnostic and the code action opens the other copy',
    function()
      local repo = H.repo()
      H.lanes(repo.dir, 'start', 'A-1')
      H.lanes(repo.dir, 'start', 'B-1')
      H.write(repo.lane('A-1') .. '/src/app.txt', H.lines(20, { [5] = true }, 'a'))
      setup()
      vim.cmd.cd(repo.lane('B-1'))
      vim.cmd.edit(repo.lane('B-1') .. '/src/app.txt')
      local diagnostic
      H.wait('the also-changed diagnostic', function()
        for _, d in ipairs(vim.diagnostic.get(0)) do
          if d.code == 'also-changed' then
            diagnostic = d
            return true
          end
        end
        return false
      end)
      H.eq('lanes', diagnostic.source, 'source')
      H.contains(diagnostic.message, 'A-1', 'message')
      -- Typing on the same line turns it into a warning before saving.
      vim.api.nvim_buf_set_lines(0, 4, 5, false, { 'typed 5' })
      H.wait('the conflict warning for unsaved edits of the same line', function()
        for _, d in ipairs(vim.diagnostic.get(0)) do
          if d.code == 'conflict' and d.severity == vim.diagnostic.severity.WARN then
            return true
          end
        end
        return false
      end)
      vim.cmd('silent! write')
      -- Code actions are offered for the diagnostics under the cursor.
      vim.api.nvim_win_set_cursor(0, { 5, 0 })
      vim.lsp.buf.code_action({
        apply = true,
        filter = function(action)
          return action.title == 'Open in lane A-1'
        end,
      })
      H.wait("the other lane's copy", function()
        return vim.api.nvim_buf_get_name(0) == repo.lane('A-1') .. '/src/app.txt'
      end)
    end,
  },
  {
    'Lanes remove offers Force when the lane has uncommitted work',
    function()
      local repo = H.repo()
      H.lanes(repo.dir, 'start', 'D-1')
      H.write(repo.lane('D-1') .. '/README.md', 'mine\n')
      setup()
      vim.cmd.cd(repo.dir)
      local offered
      vim.ui.select = function(items, _, on_choice)
        offered = items
        on_choice(items[#items])
      end
      vim.cmd('Lanes remove D-1')
      H.wait('the lane to be removed after forcing', function()
        return vim.fn.isdirectory(repo.lane('D-1')) == 0
      end)
      H.contains(table.concat(offered, '|'), 'Force remove', 'choices')
    end,
  },
  {
    'checkhealth reports OK with the binary and an error without it',
    function()
      setup()
      vim.cmd('checkhealth lanes')
      local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
      H.contains(text, 'OK lanes ', 'health with binary')
      -- The real provider and the token's source, from `lanes doctor`.
      H.contains(text, 'OK ticket provider: ', 'the provider')
      H.contains(text, 'GitHub token', 'the token check')
      vim.cmd('tabclose!')
      setup({ cmd = { '/nonexistent/lanes', 'lsp' } })
      vim.cmd('checkhealth lanes')
      text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
      H.contains(text, 'ERROR', 'health without binary')
      H.contains(text, 'not found', 'health without binary')
    end,
  },
  {
    'subcommands and ticket keys complete',
    function()
      local repo = H.repo()
      H.lanes(repo.dir, 'start', 'C-9')
      setup()
      vim.cmd.cd(repo.dir)
      vim.cmd.edit(repo.dir .. '/README.md')
      H.eq({ 'start', 'switch', 'sync' }, (function()
        local c = vim.fn.getcompletion('Lanes s', 'cmdline')
        table.sort(c)
        return c
      end)(), 'subcommands')
      H.wait_client()
      H.eq({ 'C-9' }, vim.fn.getcompletion('Lanes switch C', 'cmdline'), 'ticket keys')
    end,
  },
  {
    'Lanes switch offers the folders of a ticket spanning several repositories',
    function()
      local api, web = H.repo(), H.repo()
      local config_file = vim.env.XDG_CONFIG_HOME .. '/lanes/config.toml'
      H.write(config_file, ('[[repos]]\nname = "api"\npath = "%s"\n[[repos]]\nname = "web"\npath = "%s"\n'):format(api.dir, web.dir))
      H.lanes(api.dir, 'start', 'MULTI-1', '--all')
      setup()
      H.open(api.dir, api.dir .. '/README.md')
      local prompts = {}
      vim.ui.select = function(items, opts, on_choice)
        table.insert(prompts, opts.prompt)
        if #prompts == 1 then
          on_choice(items[1]) -- the multi-repository ticket
        else
          on_choice(items[2]) -- its second repository: web
        end
      end
      vim.cmd('Lanes switch')
      H.wait('the web lane as the tab directory', function()
        return vim.fn.getcwd() == web.lane('MULTI-1')
      end)
      H.contains(prompts[2], 'MULTI-1', 'second picker')
      os.remove(config_file)
    end,
  },
  {
    'Lanes sync brings a pull request into a lane and summarises',
    function()
      local repo = H.repo()
      -- GitHub: origin keeps its URL and reaches a bare repository through insteadOf; PR 7's head
      -- is refs/pull/7/head there.
      H.on_github(repo)
      H.git(repo.dir, 'checkout', '-q', '-b', 'authoring')
      H.write(repo.dir .. '/login.txt', 'fixed\n')
      H.git(repo.dir, 'add', 'login.txt')
      H.git(repo.dir, 'commit', '-q', '-m', 'Fix login')
      H.git(repo.dir, 'push', '-q', 'origin', 'HEAD:refs/pull/7/head')
      H.git(repo.dir, 'checkout', '-q', 'main')
      H.git(repo.dir, 'branch', '-q', '-D', 'authoring')
      local base
      local url, server = H.fake_github(function(target, auth)
        if auth ~= 'Bearer nvim-test-token' then
          return 401, '{"message": "Bad credentials"}'
        end
        local pull = '"number": 7, "title": "PROJ-12: fix login", "state": "open", "draft": false'
        if target:match('^/search/issues') then
          return 200, ('{"total_count": 1, "incomplete_results": false, "items": [{%s, "repository_url": "%s/repos/octo/widgets", "pull_request": {}}]}'):format(pull, base)
        elseif target == '/repos/octo/widgets/pulls/7' then
          return 200, ('{%s, "merged": false, "head": {"ref": "fix/login"}}'):format(pull)
        end
        return 404, '{"message": "Not Found"}'
      end)
      base = url
      vim.env.GITHUB_API_URL, vim.env.GITHUB_TOKEN = url, 'nvim-test-token'
      local config_file = vim.env.XDG_CONFIG_HOME .. '/lanes/config.toml'
      H.write(config_file, '[github]\nhost = "github.com"\n')
      local messages = {}
      vim.notify = function(msg)
        table.insert(messages, msg)
      end
      setup()
      H.open(repo.dir, repo.dir .. '/README.md')
      vim.cmd('Lanes sync')
      H.wait('the summary', function()
        return table.concat(messages, '\n'):find('pull requests synced: 1 created', 1, true) ~= nil
      end)
      H.contains(H.git(repo.dir, 'worktree', 'list', '--porcelain'), 'branch refs/heads/pr/7-fix-login', 'git worktree list')
      server:close()
      vim.env.GITHUB_API_URL, vim.env.GITHUB_TOKEN = nil, nil
      os.remove(config_file)
    end,
  },
  {
    ':Lanes prune asks, then removes the squash-merged lane and keeps the lane with no commits',
    function()
      local repo = H.repo()
      H.lanes(repo.dir, 'start', 'A-1')
      H.lanes(repo.dir, 'start', 'B-1')
      H.write(repo.lane('A-1') .. '/a.txt', 'from A-1\n')
      H.git(repo.lane('A-1'), 'add', 'a.txt')
      H.git(repo.lane('A-1'), 'commit', '-q', '-m', 'A-1 work')
      H.git(repo.dir, 'merge', '-q', '--squash', 'feature/A-1')
      H.git(repo.dir, 'commit', '-q', '-m', 'A-1 (squashed)')
      local messages, asked = {}, nil
      vim.notify = function(msg)
        table.insert(messages, msg)
      end
      local select = vim.ui.select
      vim.ui.select = function(items, opts, on_choice)
        asked = opts.prompt
        on_choice(items[1])
      end
      setup()
      H.open(repo.dir, repo.dir .. '/README.md')
      vim.cmd('Lanes prune')
      H.wait('the summary', function()
        return table.concat(messages, '\n'):find('removed A-1', 1, true) ~= nil
      end)
      vim.ui.select = select
      H.contains(asked, 'Remove the merged lanes A-1 ', 'the question')
      H.eq(0, vim.fn.isdirectory(repo.lane('A-1')), 'A-1 removed')
      H.eq(1, vim.fn.isdirectory(repo.lane('B-1')), 'B-1 kept')
    end,
  },
  {
    ':Lanes agent runs the agent command in a terminal in the lane with its variables',
    function()
      local repo = H.repo()
      H.lanes(repo.dir, 'start', 'A-1')
      setup({ agent_command = 'echo "agent $LANES_TICKET $LANES_PORT" > agent.out' })
      H.open(repo.dir, repo.dir .. '/README.md')
      vim.cmd('Lanes agent A-1')
      local out = repo.lane('A-1') .. '/agent.out'
      H.wait('the agent output in the lane', function()
        return vim.fn.filereadable(out) == 1 and #vim.fn.readfile(out) > 0
      end)
      local line = vim.fn.readfile(out)[1]
      H.contains(line, 'agent A-1 ', 'the agent saw the lane')
      assert(line:match('agent A%-1 %d+$'), 'LANES_PORT is a number: ' .. line)
      vim.cmd('stopinsert')
    end,
  },
  {
    ':Lanes check fills the quickfix list with the conflicting pair on its line',
    function()
      local repo = H.repo()
      H.lanes(repo.dir, 'start', 'A-1')
      H.lanes(repo.dir, 'start', 'B-1')
      H.write(repo.lane('A-1') .. '/src/app.txt', H.lines(20, { [5] = true }, 'a'))
      H.write(repo.lane('B-1') .. '/src/app.txt', H.lines(20, { [5] = true }, 'b'))
      setup()
      H.open(repo.lane('B-1'), repo.lane('B-1') .. '/README.md')
      H.wait('the window lane', function()
        local s = lanes.status()
        return s ~= nil and s.ticket == 'B-1'
      end)
      vim.cmd('Lanes check')
      H.wait('the quickfix list', function()
        return #vim.fn.getqflist() > 0
      end)
      local item = vim.fn.getqflist()[1]
      H.eq(repo.lane('B-1') .. '/src/app.txt', vim.api.nvim_buf_get_name(item.bufnr), 'the file in this lane')
      H.eq(5, item.lnum, 'on the conflicting line')
      H.contains(item.text, 'conflict', 'the verdict')
      H.contains(item.text, 'A-1', 'the other lane')
      vim.cmd('cclose')
    end,
  },
  {
    ':Lanes open lands on the same line in the other lane',
    function()
      local repo = H.repo()
      H.lanes(repo.dir, 'start', 'A-1')
      H.lanes(repo.dir, 'start', 'B-1')
      setup()
      H.open(repo.lane('B-1'), repo.lane('B-1') .. '/src/app.txt')
      vim.api.nvim_win_set_cursor(0, { 12, 0 })
      vim.cmd('Lanes open A-1')
      H.wait("the other lane's copy", function()
        return vim.api.nvim_buf_get_name(0) == repo.lane('A-1') .. '/src/app.txt'
      end)
      H.eq(12, vim.api.nvim_win_get_cursor(0)[1], 'the same line')
    end,
  },
  {
    ':Lanes switch re-homes the window: same file and line in the new lane, one client, statusline follows',
    function()
      local repo = H.repo()
      H.lanes(repo.dir, 'start', 'A-1')
      H.lanes(repo.dir, 'start', 'B-1')
      setup()
      H.open(repo.lane('A-1'), repo.lane('A-1') .. '/src/app.txt')
      H.wait('A-1 in the statusline', function()
        return lanes.statusline():find('A-1', 1, true) == 1
      end)
      vim.api.nvim_win_set_cursor(0, { 7, 0 })
      vim.cmd('Lanes switch B-1')
      H.wait('the same file in the new lane', function()
        return vim.api.nvim_buf_get_name(0) == repo.lane('B-1') .. '/src/app.txt'
      end)
      H.eq(7, vim.api.nvim_win_get_cursor(0)[1], 'the cursor kept')
      H.wait('B-1 in the statusline', function()
        return lanes.statusline():find('B-1', 1, true) == 1
      end)
      H.wait('one lanes client, on the new lane', function()
        local clients = vim.tbl_filter(function(c)
          return not c:is_stopped()
        end, vim.lsp.get_clients({ name = 'lanes' }))
        return #clients == 1 and clients[1].root_dir == repo.lane('B-1')
      end)
      H.eq(-1, vim.fn.bufnr(repo.lane('A-1') .. '/src/app.txt'), "the old lane's buffer is closed")
    end,
  },
  {
    ':Lanes move moves the change on the cursor line to the lane named, and the buffer follows',
    function()
      local repo = H.repo()
      H.lanes(repo.dir, 'start', 'A-1')
      H.lanes(repo.dir, 'start', 'B-1')
      H.write(repo.lane('B-1') .. '/src/app.txt', H.lines(20, { [2] = true, [15] = true }, 'b'))
      setup()
      H.open(repo.lane('B-1'), repo.lane('B-1') .. '/src/app.txt')
      vim.api.nvim_win_set_cursor(0, { 15, 0 })
      vim.cmd('Lanes move A-1')
      H.wait('the hunk of line 15 in A-1', function()
        return table.concat(vim.fn.readfile(repo.lane('A-1') .. '/src/app.txt'), '\n'):find('b 15', 1, true) ~= nil
      end)
      H.wait('the buffer reloaded without it', function()
        return vim.api.nvim_buf_get_lines(0, 14, 15, false)[1] == 'line 15'
      end)
      H.eq('b 2', vim.api.nvim_buf_get_lines(0, 1, 2, false)[1], 'the other hunk stays')
      H.eq(nil, table.concat(vim.fn.readfile(repo.lane('A-1') .. '/src/app.txt'), '\n'):find('b 2', 1, true), 'only the hunk on the cursor line moved')
    end,
  },
  {
    ':Lanes tickets lists the provider\'s issues and picking one without a lane starts it',
    function()
      local repo = H.repo()
      H.on_github(repo)
      local base
      local url, server = H.fake_github(function(target, auth)
        if auth ~= 'Bearer nvim-test-token' then
          return 401, '{"message": "Bad credentials"}'
        end
        local issue = ('{"number": 5, "title": "Add export", "body": "As CSV.", "state": "open", "html_url": "https://github.com/octo/widgets/issues/5", "repository_url": "%s/repos/octo/widgets", "user": {"login": "someone"}, "assignee": {"login": "me"}, "labels": []}'):format(base)
        if target:match('^/search/issues') and target:find('assignee', 1, true) then
          return 200, ('{"total_count": 1, "incomplete_results": false, "items": [%s]}'):format(issue)
        elseif target == '/repos/octo/widgets/issues/5' then
          return 200, issue
        end
        return 404, '{"message": "Not Found"}'
      end)
      base = url
      vim.env.GITHUB_API_URL, vim.env.GITHUB_TOKEN = url, 'nvim-test-token'
      local config_file = vim.env.XDG_CONFIG_HOME .. '/lanes/config.toml'
      H.write(config_file, 'provider = "github"\n[github]\nhost = "github.com"\n')
      local shown
      vim.ui.select = function(items, opts, on_choice)
        shown = opts.format_item(items[1])
        on_choice(items[1])
      end
      setup()
      H.open(repo.dir, repo.dir .. '/README.md')
      vim.cmd('Lanes tickets')
      H.wait("the issue's lane", function()
        return vim.fn.isdirectory(repo.lane('gh-5')) == 1
      end)
      H.contains(shown, '#5', 'the picker shows the key')
      H.contains(shown, 'Add export', 'and the title')
      server:close()
      vim.env.GITHUB_API_URL, vim.env.GITHUB_TOKEN = nil, nil
      os.remove(config_file)
    end,
  },
  {
    ':Lanes tickets shows the provider\'s error instead of an empty list',
    function()
      local repo = H.repo()
      H.git(repo.dir, 'remote', 'add', 'origin', 'https://github.com/octo/widgets.git')
      local url, server = H.fake_github(function()
        return 401, '{"message": "Bad credentials"}'
      end)
      vim.env.GITHUB_API_URL, vim.env.GITHUB_TOKEN = url, 'a-revoked-token'
      local config_file = vim.env.XDG_CONFIG_HOME .. '/lanes/config.toml'
      H.write(config_file, 'provider = "github"\n[github]\nhost = "github.com"\n')
      local messages = {}
      vim.notify = function(msg)
        table.insert(messages, msg)
      end
      setup()
      H.open(repo.dir, repo.dir .. '/README.md')
      vim.cmd('Lanes tickets')
      H.wait('the error', function()
        return table.concat(messages, '\n'):find('your tickets could not be listed', 1, true) ~= nil
      end)
      H.contains(table.concat(messages, '\n'), '401', 'what GitHub said')
      server:close()
      vim.env.GITHUB_API_URL, vim.env.GITHUB_TOKEN = nil, nil
      os.remove(config_file)
    end,
  },
  {
    'a missing binary is said plainly, once at setup and by every command',
    function()
      local repo = H.repo()
      local messages = {}
      vim.notify = function(msg)
        table.insert(messages, msg)
      end
      setup({ cmd = { '/nonexistent/lanes', 'lsp' } })
      vim.cmd('silent! %bwipeout!')
      vim.cmd.cd(repo.dir)
      vim.cmd.edit(repo.dir .. '/README.md')
      H.wait('the warning at setup', function()
        return #messages > 0
      end)
      H.contains(messages[1], 'the `lanes` binary was not found (/nonexistent/lanes)', 'at setup')
      vim.cmd('Lanes list')
      H.wait('the command says it too', function()
        return #messages > 1
      end)
      H.contains(messages[2], 'cargo install --path server', 'how to install it')
      H.eq(0, #vim.lsp.get_clients({ name = 'lanes' }), 'no client trying to start')
      setup()
    end,
  },
})
