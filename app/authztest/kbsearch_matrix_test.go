package authztest

// The knowledge-base search synonyms page (kb/editor_synonyms.go): admins only.
func init() {
	matrix = append(matrix,
		rule{"GET /agent/kb/synonyms/", admin, ""},
		rule{"POST /agent/kb/synonyms/", admin, ""},
	)
}
