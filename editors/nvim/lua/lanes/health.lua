-- :checkhealth lanes
local M = {}

function M.check()
  local health = vim.health
  local config = require('lanes.config')
  health.start('lanes: binary')
  local cmd = config.options.cmd or {}
  local exe = cmd[1] and vim.fn.exepath(cmd[1]) or ''
  if exe == '' then
    health.error(
      ('`%s` not found'):format(cmd[1] or '(no cmd)'),
      { 'Install it: cargo install --path server (in the lanes repository)', "or set require('lanes').setup{ cmd = { '/path/to/lanes', 'lsp' } }" }
    )
  else
    local out = vim.system({ exe, '--version' }, { text = true }):wait()
    if out.code == 0 then
      health.ok(('%s (%s)'):format(vim.trim(out.stdout), exe))
    else
      health.error(('%s --version failed: %s'):format(exe, vim.trim(out.stderr or '')))
    end
  end

  health.start('lanes: git')
  local git = vim.system({ 'git', '--version' }, { text = true }):wait()
  if git.code ~= 0 then
    health.error('git not found on PATH')
  else
    local major, minor = git.stdout:match('(%d+)%.(%d+)')
    if tonumber(major) > 2 or (tonumber(major) == 2 and tonumber(minor) >= 17) then
      health.ok(vim.trim(git.stdout))
    else
      health.error(vim.trim(git.stdout) .. ' is too old: lanes needs git 2.17 or newer')
    end
  end

  health.start('lanes: settings')
  local settings = config.options.settings or {}
  if vim.tbl_isempty(settings) then
    health.ok('no editor settings: lanes.toml and the user config apply')
  else
    health.ok('editor settings: ' .. table.concat(vim.tbl_keys(settings), ', '))
  end
  -- The provider, its variables, the GitHub token's source and `gh`: as `lanes doctor` checks
  -- them (tokens are looked for, never printed).
  health.start('lanes: doctor')
  if exe == '' then
    health.warn('skipped: the binary is missing')
    return
  end
  local doctor = vim.system({ exe, 'doctor' }, { text = true, cwd = vim.fn.getcwd() }):wait()
  for _, line in ipairs(vim.split(doctor.stdout or '', '\n', { trimempty = true })) do
    local kind, text = line:match('^(%S+)%s+(.*)$')
    if kind == 'ok' then
      health.ok(text)
    elseif kind == 'warn' then
      health.warn(text)
    elseif kind == 'FAIL' then
      health.error(text)
    else
      health.info(vim.trim(line))
    end
  end
end

return M
