# Frontdesk developer commands. `make test` is the one CI runs.
.PHONY: test build run vet fmt bench

build:
	CGO_ENABLED=0 go build -o bin/frontdesk ./cmd/frontdesk

run:
	go run ./cmd/frontdesk serve --demo

# Installs PostgreSQL, Dovecot and Chromium when missing, starts throwaway
# servers on loopback, runs every test in strict mode and stops them.
test:
	./scripts/test.sh

vet:
	gofmt -l . | (! grep .) && go vet ./...

fmt:
	gofmt -w .

bench:
	go test -run '^$$' -bench . -benchtime 2s ./...
