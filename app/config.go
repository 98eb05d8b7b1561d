package app

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Config is the whole runtime configuration. Every field comes from a flag
// and from the environment variable FRONTDESK_<FLAG> (dashes become
// underscores); a flag given on the command line wins over the environment.
type Config struct {
	Addr           string
	DataDir        string
	DB             string
	BaseURL        string
	IMAPURL        string
	SMTPURL        string
	SupportAddress string
	LogLevel       string
	LogFormat      string
	// TrustedProxies lists the load balancers (IPs or CIDRs) whose
	// X-Forwarded-For is believed, so rate limits see the client's address.
	TrustedProxies string
	// FilesDir keeps file bytes in this directory instead of the database.
	FilesDir string
	// MetricsAddr serves /metrics on this separate listener; "" serves no
	// metrics (they are never on the public listener).
	MetricsAddr string
	// KBSearchCache is how many finished KB searches each node keeps (an
	// LRU emptied on every index write); 0 disables the cache.
	KBSearchCache int
	// Command builds the app for a one-shot command (kb import, user add,
	// billing import, mail fetch): services and their wiring as serve has
	// them, but no search index is opened (a running serve holds it) and
	// nothing is served. Set by cmd, not a flag.
	Command bool
	// StripeWebhookSecret is the signing secret (whsec_…) of the Stripe
	// webhook endpoint /webhooks/stripe; without it the endpoint is off.
	StripeWebhookSecret string
	// AttachmentMaxBytes limits each ticket attachment (default 25 MB).
	AttachmentMaxBytes int64
	// Demo asks serve to fill an empty database with demo data.
	Demo bool
}

// DefaultKBSearchCache is the --kb-search-cache default.
const DefaultKBSearchCache = 2000

// BindFlags declares the shared configuration flags on fs.
func (c *Config) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&c.DataDir, "data-dir", "./data", "directory for the SQLite file, search index and other local state")
	fs.StringVar(&c.DB, "db", "", "database URL: sqlite://PATH or postgres://user:pass@host:5432/db (default sqlite://<data-dir>/frontdesk.db)")
	fs.StringVar(&c.BaseURL, "base-url", "", "absolute URL used in emails (default http://<addr>)")
	fs.StringVar(&c.IMAPURL, "imap-url", "", "support inbox: imap://user:pass@host:143/INBOX or imaps://…:993/INBOX")
	fs.StringVar(&c.SMTPURL, "smtp-url", "", "outgoing mail: smtp://user:pass@host:587 or smtps://…:465 (without it mail waits in the outbox)")
	fs.StringVar(&c.SupportAddress, "support-address", "", "From/Reply-To address of outgoing support mail")
	fs.StringVar(&c.FilesDir, "files-dir", "", "keep file bytes (attachments, raw mail, workspace files) in this directory instead of the database")
	fs.Int64Var(&c.AttachmentMaxBytes, "attachment-max-bytes", 25<<20, "largest ticket attachment accepted, in bytes (each file)")
	fs.IntVar(&c.KBSearchCache, "kb-search-cache", DefaultKBSearchCache, "finished KB searches kept per node for repeated queries (0 disables the cache)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve /metrics (Prometheus) on this separate listener, e.g. 127.0.0.1:9090")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	fs.StringVar(&c.StripeWebhookSecret, "stripe-webhook-secret", "", "signing secret (whsec_…) of the Stripe webhook at /webhooks/stripe; without it the endpoint is off")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "comma-separated IPs/CIDRs of load balancers whose X-Forwarded-For gives the client address")
}

// ApplyEnv sets every flag of fs that was not given on the command line from
// its FRONTDESK_* environment variable. It must run after fs.Parse.
func ApplyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		env := EnvName(f.Name)
		v := getenv(env)
		if v == "" {
			v = readSecretFile(getenv(env+"_FILE"), &errs, env)
		}
		if v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", env, err))
		}
	})
	return errors.Join(errs...)
}

func readSecretFile(path string, errs *[]error, env string) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s_FILE: %w", env, err))
		return ""
	}
	return strings.TrimSpace(string(b))
}

// EnvName is the environment variable that backs a flag.
func EnvName(flagName string) string {
	return "FRONTDESK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Normalize fills derived defaults and validates every value, returning one
// clear error for the first problem found.
func (c *Config) Normalize() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q: want host:port", c.Addr)
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr %q: want host:port", c.MetricsAddr)
		}
	}
	if c.DataDir == "" {
		return errors.New("--data-dir must not be empty")
	}
	if c.DB == "" {
		c.DB = "sqlite://" + filepath.Join(c.DataDir, "frontdesk.db")
	}
	if _, err := ParseDBURL(c.DB); err != nil {
		return fmt.Errorf("--db: %w", err)
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--base-url %q: want http(s)://host[:port]", c.BaseURL)
	}
	for _, chk := range []struct {
		flag, val string
		schemes   []string
	}{
		{"--imap-url", c.IMAPURL, []string{"imap", "imaps"}},
		{"--smtp-url", c.SMTPURL, []string{"smtp", "smtps"}},
	} {
		if chk.val == "" {
			continue
		}
		u, err := url.Parse(chk.val)
		if err != nil {
			return fmt.Errorf("%s: %v", chk.flag, err)
		}
		if !contains(chk.schemes, u.Scheme) || u.Host == "" {
			return fmt.Errorf("%s %q: want %s://user:pass@host:port", chk.flag, redact(chk.val), strings.Join(chk.schemes, "|"))
		}
	}
	for _, p := range c.Proxies() {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return fmt.Errorf("--trusted-proxies: %q is not an IP address or CIDR", p)
			}
		}
	}
	if c.KBSearchCache < 0 {
		return fmt.Errorf("--kb-search-cache %d: want 0 (off) or a number of searches", c.KBSearchCache)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format %q: want text or json", c.LogFormat)
	}
	return nil
}

// Proxies returns the trusted proxy list.
func (c *Config) Proxies() []string {
	var out []string
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// SecureCookies reports whether cookies must carry the Secure attribute.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// DBURL is a parsed --db value.
type DBURL struct {
	Dialect string // "sqlite" or "postgres"
	// DSN is what the driver receives: a file path for SQLite, the URL for PostgreSQL.
	DSN string
}

// ParseDBURL understands sqlite://PATH (relative or absolute) and
// postgres:// / postgresql:// URLs.
func ParseDBURL(raw string) (DBURL, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return DBURL{}, fmt.Errorf("%q is not a URL: want sqlite://PATH or postgres://user:pass@host:5432/db", redact(raw))
	}
	switch scheme {
	case "sqlite", "sqlite3", "file":
		if rest == "" {
			return DBURL{}, errors.New("sqlite:// needs a file path")
		}
		path, _, _ := strings.Cut(rest, "?")
		return DBURL{Dialect: "sqlite", DSN: path}, nil
	case "postgres", "postgresql":
		u, err := url.Parse(raw)
		if err != nil {
			return DBURL{}, fmt.Errorf("%q: %v", redact(raw), err)
		}
		if u.Host == "" {
			return DBURL{}, fmt.Errorf("%q: missing host", redact(raw))
		}
		return DBURL{Dialect: "postgres", DSN: raw}, nil
	default:
		return DBURL{}, fmt.Errorf("unknown scheme %q: want sqlite:// or postgres://", scheme)
	}
}

// redact hides the password of a URL so it can appear in an error or log.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
