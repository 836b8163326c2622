"""Package discovery: `cli/` installs as `shopbot_cli`, every sub-package found, none hand-listed.

pyproject.toml holds everything else; setuptools' `packages.find` cannot rename a folder,
so the one computed list lives here.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["shopbot", "shopbot.*"]),
        "shopbot_cli",
        *(f"shopbot_cli.{name}" for name in find_packages("cli")),
    ],
)
