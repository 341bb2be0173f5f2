"""Registry files for the payer: the H-type and L files in the federal format, zipped.

    from app.registry_files import write_registry_pair
    h_path, l_path, zip_path = write_registry_pair(outdir, mo_code="140001", payer_kind="S", …)

See :mod:`app.registry_files.writer`. Pure: no database, no web framework.
"""

from .writer import RegistryFileError, RegistryPair, registry_file_name, write_registry_pair

__all__ = ["write_registry_pair", "registry_file_name", "RegistryPair", "RegistryFileError"]
