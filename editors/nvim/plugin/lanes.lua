-- :Lanes — defined eagerly, everything else loads on first use.
if vim.g.loaded_lanes then
  return
end
vim.g.loaded_lanes = true

vim.api.nvim_create_user_command('Lanes', function(opts)
  require('lanes').command(opts)
end, {
  nargs = '+',
  bang = true,
  range = true,
  desc = 'Lanes: start, switch, sync, remove, open, list, check, move, tickets, pr, prune, agent',
  complete = function(arglead, cmdline)
    return require('lanes').complete(arglead, cmdline)
  end,
})
