package app

import (
	"flag"
	"io"
	"strings"
	"testing"
)

// The KB search cache size is a flag like the others, and its old
// environment variable keeps working because every flag has one.
func TestConfigKBSearchCache(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    int
		wantErr string
	}{
		{name: "default", want: 2000},
		{name: "flag", args: []string{"--kb-search-cache", "50"}, want: 50},
		{name: "environment", env: map[string]string{"FRONTDESK_KB_SEARCH_CACHE": "0"}, want: 0},
		{name: "flag wins", args: []string{"--kb-search-cache", "7"}, env: map[string]string{"FRONTDESK_KB_SEARCH_CACHE": "0"}, want: 7},
		{name: "negative", args: []string{"--kb-search-cache", "-1"}, wantErr: "--kb-search-cache"},
		{name: "not a number", env: map[string]string{"FRONTDESK_KB_SEARCH_CACHE": "lots"}, wantErr: "FRONTDESK_KB_SEARCH_CACHE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			c.BindFlags(fs)
			err := fs.Parse(tt.args)
			if err == nil {
				err = ApplyEnv(fs, func(k string) string { return tt.env[k] })
			}
			if err == nil {
				err = c.Normalize()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.KBSearchCache != tt.want {
				t.Errorf("KBSearchCache = %d, want %d", c.KBSearchCache, tt.want)
			}
		})
	}
}
