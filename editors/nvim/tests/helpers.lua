-- Shared by the headless Neovim tests: real repositories in temp dirs, the real `lanes` binary.
local H = {}

H.plugin_dir = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h')
H.bin = assert(vim.env.LANES_BIN, 'set LANES_BIN to the lanes binary')
vim.opt.rtp:prepend(H.plugin_dir)
vim.cmd('runtime plugin/lanes.lua')

function H.run(cmd, cwd)
  local out = vim.system(cmd, { cwd = cwd, text = true }):wait()
  if out.code ~= 0 then
    error(('%s failed (%d): %s'):format(table.concat(cmd, ' '), out.code, out.stderr), 2)
  end
  return out.stdout
end

function H.git(dir, ...)
  return H.run({ 'git', '-C', dir, ... })
end

function H.write(path, text)
  vim.fn.mkdir(vim.fs.dirname(path), 'p')
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
end

function H.lines(n, edited, word)
  local out = {}
  for i = 1, n do
    out[#out + 1] = (edited and edited[i]) and (word .. ' ' .. i) or ('line ' .. i)
  end
  return table.concat(out, '\n') .. '\n'
end

--- A repository `project` on `main` with README.md and src/app.txt (20 lines).
function H.repo()
  local base = vim.fn.resolve(vim.fn.tempname())
  vim.fn.mkdir(base, 'p')
  local dir = base .. '/project'
  vim.fn.mkdir(dir, 'p')
  H.git(dir, 'init', '-q', '-b', 'main')
  H.write(dir .. '/README.md', '# project\n')
  H.write(dir .. '/src/app.txt', H.lines(20))
  H.git(dir, 'add', '.')
  H.git(dir, 'commit', '-q', '-m', 'initial')
  return { base = base, dir = dir, lane = function(t)
    return base .. '/project-' .. t
  end }
end

function H.lanes(dir, ...)
  return H.run({ H.bin, ... }, dir)
end

--- Waits for `cond` (running the event loop); fails the test with `what` when it never holds.
function H.wait(what, cond, ms)
  if not vim.wait(ms or 15000, cond, 20) then
    error('timed out waiting for ' .. what, 2)
  end
end

--- Waits until the current buffer's lanes client has initialized.
function H.wait_client()
  H.wait('the lanes client', function()
    local c = vim.lsp.get_clients({ name = 'lanes', bufnr = 0 })[1]
    return c ~= nil and c.initialized
  end)
end

function H.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(('%s: expected %s, got %s'):format(what or 'value', vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

function H.contains(haystack, needle, what)
  if not tostring(haystack):find(needle, 1, true) then
    error(('%s: %q not found in %q'):format(what or 'text', needle, tostring(haystack)), 2)
  end
end

--- Starts afresh in `dir` (other buffers wiped) with `file` open and the lanes client attached.
function H.open(dir, file)
  vim.cmd('silent! %bwipeout!')
  vim.cmd.cd(dir)
  vim.cmd.edit(file)
  H.wait_client()
end

--- Makes `repo`'s origin https://github.com/octo/widgets.git, reached (through git's
--- url.insteadOf, as a user's config would) at a local bare repository with main pushed; returns
--- the bare repository's path.
function H.on_github(repo)
  local bare = repo.base .. '/widgets.git'
  H.run({ 'git', 'init', '-q', '--bare', '-b', 'main', bare })
  H.git(repo.dir, 'remote', 'add', 'origin', 'https://github.com/octo/widgets.git')
  H.git(repo.dir, 'config', 'url.' .. bare .. '.insteadOf', 'https://github.com/octo/widgets.git')
  H.git(repo.dir, 'push', '-q', 'origin', 'main')
  return bare
end

--- A fake GitHub REST API on 127.0.0.1, served from Neovim's own event loop: `route(target,
--- authorization)` returns a status and a JSON body. Returns the API's URL and the server handle.
function H.fake_github(route)
  local server = assert(vim.uv.new_tcp())
  assert(server:bind('127.0.0.1', 0))
  server:listen(16, function()
    local conn = assert(vim.uv.new_tcp())
    server:accept(conn)
    local buf = ''
    conn:read_start(function(_, chunk)
      if not chunk then
        conn:close()
        return
      end
      buf = buf .. chunk
      -- GET requests only: a request ends with its headers.
      while true do
        local stop = buf:find('\r\n\r\n', 1, true)
        if not stop then
          return
        end
        local head = buf:sub(1, stop)
        buf = buf:sub(stop + 4)
        local target = head:match('^%S+ (%S+)')
        local auth = head:match('\n[Aa]uthorization: ([^\r\n]+)')
        local status, body = route(target, auth)
        conn:write(('HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s'):format(status, #body, body))
      end
    end)
  end)
  return 'http://127.0.0.1:' .. server:getsockname().port, server
end

--- Runs the named test functions, prints one line each, exits non-zero on failure.
function H.run_tests(tests)
  local failed = 0
  for _, t in ipairs(tests) do
    local ok, err = xpcall(t[2], debug.traceback)
    if ok then
      io.stdout:write('\nPASS ' .. t[1] .. '\n')
    else
      failed = failed + 1
      io.stdout:write('\nFAIL ' .. t[1] .. '\n' .. tostring(err) .. '\n')
    end
    for _, c in ipairs(vim.lsp.get_clients()) do
      c:stop(true)
    end
    vim.cmd('silent! %bwipeout!')
  end
  io.stdout:write('\n')
  os.exit(failed == 0 and 0 or 1)
end

return H
