"""Products: the plugin hooks and loading, clinic catalogs, the safety filter and product selection."""
