-- The window's lane, as the server last reported it (`lanes/status`), and its statusline text.
local M = {}

--- Latest status per client id.
M.by_client = {}

--- Records a status notification and asks for a redraw.
function M.update(client_id, status)
  M.by_client[client_id] = status
  vim.schedule(function()
    vim.api.nvim_exec_autocmds('User', { pattern = 'LanesStatus', modeline = false })
    vim.cmd.redrawstatus({ bang = true })
  end)
end

--- The status of the client serving the current buffer (or any lanes client).
function M.current()
  local clients = vim.lsp.get_clients({ name = 'lanes', bufnr = 0 })
  if #clients == 0 then
    clients = vim.lsp.get_clients({ name = 'lanes' })
  end
  for _, client in ipairs(clients) do
    local status = M.by_client[client.id]
    if status then
      return status
    end
  end
  return nil
end

--- "PROJ-1 · 2● ↑1 ↓0 · PR#42 · ✗1"; the branch in the primary checkout; "" outside lanes. Cheap: it
--- only formats what the server sent.
function M.line()
  local s = M.current()
  if type(s) ~= 'table' then
    return ''
  end
  local parts = {}
  local name = type(s.ticket) == 'string' and s.ticket or (type(s.branch) == 'string' and s.branch or nil)
  if not name then
    return ''
  end
  table.insert(parts, name)
  if type(s.dirty) == 'number' and s.dirty > 0 then
    table.insert(parts, s.dirty .. '●')
  end
  if type(s.ahead) == 'number' and type(s.behind) == 'number' then
    table.insert(parts, ('↑%d ↓%d'):format(s.ahead, s.behind))
  end
  if type(s.pr) == 'number' then
    local state = type(s.pr_state) == 'string' and s.pr_state ~= 'open' and (' ' .. s.pr_state) or ''
    table.insert(parts, 'PR#' .. s.pr .. state)
  end
  -- The sides a merge of this lane would conflict with (git's verdict), as a count.
  if type(s.conflicts) == 'table' and #s.conflicts > 0 then
    table.insert(parts, '✗' .. #s.conflicts)
  end
  return table.concat(parts, ' · ')
end

return M
