"""The ``plugins`` command: the loaded plugins and what they cover."""

from __future__ import annotations

from pathlib import Path

import click

from facialflow.cli.options import catalog_option, emit_json, handle_errors


@click.command("plugins")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@catalog_option()
@handle_errors
def plugins_command(fmt: str, catalogs: tuple[Path, ...]) -> None:
    """List the loaded plugins, where they come from, what they cover and their products."""
    from facialflow.products.loading import load_plugins, plugins_to_dict

    listing = plugins_to_dict(load_plugins(catalogs=catalogs))
    if fmt == "json":
        emit_json(listing)
        return
    for p in listing:
        click.echo(f"{p['name']} ({p['source']}): {p['description']}")
        if p["concerns"]:
            click.echo(f"  concerns:   {', '.join(p['concerns'])}")
        if p["skin_types"]:
            click.echo(f"  skin types: {', '.join(p['skin_types'])}")
        for prod in p["products"]:
            spf = f" (SPF {prod['spf']})" if prod["spf"] and "SPF" not in prod["name"] else ""
            click.echo(
                f"  - {prod['kind']:<11} {prod['name']}{spf}: {', '.join(prod['ingredients'])}"
            )
        for warning in p["warnings"]:
            click.echo(f"  warning: {warning}")


# -- plan ---------------------------------------------------------------------------------------
