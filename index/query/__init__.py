"""The query language: :mod:`.parsing` (text -> rewritten Whoosh query),
:mod:`.nodes` (the custom query nodes), :mod:`.expansion` (variants,
numbers, sounds-alikes) and :mod:`.oracle` (reference scoring on Whoosh's
matcher path)."""

from .nodes import (Clause, KeywordFilter, NoGrams, OwnStart, ResolveContext, SpeechLeaf,
                    path_query, resolve_filters)
from .oracle import expandable, reference_query
from .parsing import (CompiledQuery, QueryOptions, compile_query, filters_query,
                      make_parser)

__all__ = [
    "Clause", "CompiledQuery", "KeywordFilter", "NoGrams", "OwnStart", "QueryOptions",
    "ResolveContext", "SpeechLeaf", "compile_query", "expandable", "filters_query",
    "make_parser", "path_query", "reference_query", "resolve_filters",
]
