package kb

// Searcher is the search index the pages query (kb/search's Index).
type Searcher interface{ Close() error }
