"""The query language, told once: the README's "Query language" section and the app's
Help → Search Syntax both show :data:`QUERY_LANGUAGE` (Markdown); a test checks that the
README has it word for word. Change the text here, then paste it into the README.
"""

QUERY_LANGUAGE = """\
| you type | it finds |
|---|---|
| `budget sidewalks` | segments with both words (stemmed: *sidewalk* finds *sidewalks*) |
| `"opt out of the program"` | the exact phrase, even where it runs across two transcript segments |
| `cameras OR sidewalks`, `budget NOT police`, `budget -police`, `(cameras OR sidewalks) AND budget` | boolean logic; brackets group |
| `side*`, `c?uncil`, `counc*l` | prefixes and wildcards: `*` any letters, `?` one letter |
| `"budget sidewalks"~3` | the words in this order, near each other (here up to 3 positions apart) |
| `budget^2 sidewalks` | both words; hits for *budget* rank higher |
| `Donavan~`, `Donavan~2` | fuzzy matches (Whisper misspells names) |
| `body:"Riverton City Council"`, `speaker:Brooks`, `kind:radio`, `title:budget`, `lang:es` | field filters (`lang:` is the spoken language's code: `en`, `es`, `fr` ...) |
| `item:7`, `chapter:casino`, `chapter:"public comment"` | what is said during an agenda item (its number) or a chapter (words of its title) |
| `date:2011`, `date:2011-05`, `date:2011-01-01..2011-06-30`, `year:2011` | dates and date ranges |
| `item 3`, `"$18,000 a year"`, `"75%"`, `2013`, `2nd` | numbers however they were written or spoken, in words and in phrases: *3* = *three*, *25* = *twenty-five*, *2nd* = *second*, *75%* = *75 percent* = *seventy-five percent*, *$4 million* = *4 million dollars* = *four million dollars*, *$18,000* = *eighteen thousand dollars*, *2013* = *twenty thirteen* = *two thousand thirteen* (a number said in several words is one word: `five` does not find *twenty-five*) |
| `councillor`, `"Ms. Fields"`, `OK`, `seawall` | spelling variants too: *councilor* / *councillor* / *council member* / *councilman* / *councilwoman* / *alderman* / *alderperson* / *alderwoman*, *Ms.* / *Mrs.* / *Miss*, *Mr.* / *Mister*, *OK* / *okay*, *percent* / *per cent*, words Whisper splits or joins (*seawall* / *sea wall*), and the archive's vocabulary (`council-archive vocab add Napolitano --variant Neapolitano`) |
| `sounds:Sarno`, `sounds:"Mayor Menino"` | words that sound alike (*Sarnow*, *Manino*); `search --sounds-like` does it for every name-like word |
| `="item 3"`, `=Councillor`, `exact:Councillor` | letter for letter: no stemming, number forms, variants or sounds-alikes (`="item 3"` does not find *item three*); `search --exact` makes the whole search exact |

Hits found only through a variant or a sounds-alike come after every hit of the words as
typed, and their snippet marks the words that matched. When a search finds nothing or very
little, it suggests corrections from the archive's own words (`Did you mean: Neapolitano?`;
`search --json` adds `"suggestions": [...]`, the corrected queries).

A malformed query gets a one-line explanation, never a traceback.
"""
