"""Standard records: what archivists and other systems read about a recording.

- :mod:`archive.records.source`: what every record says, gathered once (catalog, chapters,
  speakers, the stored media's size, hash and probe);
- :mod:`archive.records.pbcore`: PBCore 2.1 XML (a ``pbcoreDescriptionDocument`` each, a
  ``pbcoreCollection`` for the catalog);
- :mod:`archive.records.dc`: Dublin Core in the OAI-PMH ``oai_dc`` container;
- :mod:`archive.records.ohms`: an OHMS-style XML index (chapters or paragraphs with time points);
- :mod:`archive.records.importing`: PBCore or DC records from elsewhere mapped back onto
  recordings already in the archive (``council-archive import-records FILE``).

Records are built with :mod:`xml.etree.ElementTree` (no dependency beyond the standard library).
"""
