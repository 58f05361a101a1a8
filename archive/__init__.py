"""The archive: catalog, media store, import pipeline, exports and the CLI.

Log records go nowhere until the CLI or the app calls :func:`archive.logs.configure`
(the library convention: a library never prints its log to stderr).
"""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())
