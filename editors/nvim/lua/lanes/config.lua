-- The single schema of lanes.nvim's options: defaults, types and what they do.
local M = {}

---@class lanes.Options
M.defaults = {
  -- Command that starts the language server.
  cmd = { 'lanes', 'lsp' },
  -- How `:Lanes switch` enters a lane: 'tcd' (tab-local cd in this tab), 'cd' (global cd) or
  -- 'tab' (a new tab with a tab-local cd).
  switch = 'tcd',
  -- Settings sent to the server (the keys of lanes.toml: branch, path, base, fetch, copy, setup).
  settings = {},
  -- Show `$/progress` of long commands with vim.notify.
  progress = true,
  -- `:Lanes sync`: also pull requests awaiting your review; remove lanes of closed/merged ones
  -- (only when nothing would be lost).
  sync = { review_requested = false, prune = false },
  -- `:Lanes agent`: the command run in a terminal in the lane (e.g. 'claude'); '' opens a shell.
  agent_command = '',
}

M.types = {
  cmd = 'table',
  switch = 'string',
  settings = 'table',
  progress = 'boolean',
  sync = 'table',
  agent_command = 'string',
}

---@type lanes.Options
M.options = vim.deepcopy(M.defaults)

--- Merges user options over the defaults; unknown keys and wrong types are reported, not fatal.
---@param opts table|nil
function M.set(opts)
  local merged = vim.deepcopy(M.defaults)
  for key, value in pairs(opts or {}) do
    if M.types[key] == nil then
      vim.notify(('lanes: unknown option %q ignored'):format(key), vim.log.levels.WARN)
    elseif type(value) ~= M.types[key] then
      vim.notify(('lanes: option %q must be a %s'):format(key, M.types[key]), vim.log.levels.WARN)
    else
      merged[key] = value
    end
  end
  if not vim.tbl_contains({ 'tcd', 'cd', 'tab' }, merged.switch) then
    vim.notify("lanes: option 'switch' must be 'tcd', 'cd' or 'tab'", vim.log.levels.WARN)
    merged.switch = M.defaults.switch
  end
  M.options = merged
  return merged
end

return M
