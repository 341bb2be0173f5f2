"""A load cut into chunks that any number of ``rq worker`` processes check at once.

- :mod:`.records`: a ZAP record with its findings as bytes and back, exactly (lines included);
- :mod:`.cutting`: the load's own job cuts the records after its first chunk into chunk files;
- :mod:`.chunks`: the parts (``load_chunk``): registering, the fair choice of the next, the count of
  those left, the findings they stage;
- :mod:`.flow`: a worker's part of the work, and what follows the last part of each stage.
"""
