"""Request parameters read once for the pages and the API alike: the catalogue's list
and search parameters (``listing``) and the statistics' dates and periods
(``statistics``). A bad value raises one error that each surface words its own way: a
Vietnamese message on a page, a JSON error from the API, both with status 400."""
