package app

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func TestConfigFlagsEnvAndDefaults(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{
			name: "defaults",
			check: func(t *testing.T, c Config) {
				if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" {
					t.Errorf("addr/data-dir = %q/%q", c.Addr, c.DataDir)
				}
				if c.DB != "sqlite://data/frontdesk.db" {
					t.Errorf("db = %q", c.DB)
				}
				if c.BaseURL != "http://127.0.0.1:8080" {
					t.Errorf("base-url = %q", c.BaseURL)
				}
			},
		},
		{
			name: "environment fills flags",
			env:  map[string]string{"FRONTDESK_ADDR": "0.0.0.0:9000", "FRONTDESK_DB": "postgres://u:p@db:5432/fd"},
			check: func(t *testing.T, c Config) {
				if c.Addr != "0.0.0.0:9000" || c.DB != "postgres://u:p@db:5432/fd" || c.BaseURL != "http://0.0.0.0:9000" {
					t.Errorf("got %+v", c)
				}
			},
		},
		{
			name: "flag wins over environment",
			args: []string{"--addr", "127.0.0.1:7000"},
			env:  map[string]string{"FRONTDESK_ADDR": "0.0.0.0:9000"},
			check: func(t *testing.T, c Config) {
				if c.Addr != "127.0.0.1:7000" {
					t.Errorf("addr = %q", c.Addr)
				}
			},
		},
		{name: "unknown db scheme", args: []string{"--db", "mysql://x"}, wantErr: `unknown scheme "mysql"`},
		{name: "db not a URL", args: []string{"--db", "frontdesk.db"}, wantErr: "is not a URL"},
		{name: "postgres without host", args: []string{"--db", "postgres:///x"}, wantErr: "missing host"},
		{name: "bad addr", args: []string{"--addr", "8080"}, wantErr: "--addr"},
		{name: "bad smtp scheme", args: []string{"--smtp-url", "http://mail:25"}, wantErr: "--smtp-url"},
		{name: "password redacted in errors", args: []string{"--imap-url", "pop3://u:secret@h:110"}, wantErr: "xxxxx"},
		{name: "bad base url", args: []string{"--base-url", "ftp://x"}, wantErr: "--base-url"},
		{name: "bad trusted proxy", args: []string{"--trusted-proxies", "10.0.0.1, lb.internal"}, wantErr: `"lb.internal" is not an IP`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			c.BindFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if err := ApplyEnv(fs, func(k string) string { return tt.env[k] }); err != nil {
				t.Fatal(err)
			}
			err := c.Normalize()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestContrastTextIsReadable(t *testing.T) {
	for color, want := range map[string]string{
		"#1d4ed8": "#ffffff", // dark blue → white text
		"#fde047": "#111827", // yellow → dark text
		"#ffffff": "#111827",
		"#000000": "#ffffff",
	} {
		if got := contrastText(color); got != want {
			t.Errorf("contrastText(%s) = %s, want %s", color, got, want)
		}
	}
}
