"""revops_funnel's Python side: raw contract, loader, generator, runners."""
