package kb

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"gopkg.in/yaml.v3"
)

// demoFS holds the help-center articles `serve --demo` ships: one folder
// per category, and categories.yaml with their names and order.
//
//go:embed demo
var demoFS embed.FS

// SeedDemo imports the embedded demo articles (a DemoSeeder for the app).
// When seeded is true it adds nothing.
func (s *Service) SeedDemo(ctx context.Context, seeded bool) ([]string, error) {
	if seeded {
		return []string{"Help center: /kb (demo articles)"}, nil
	}
	if raw, err := fs.ReadFile(demoFS, "demo/categories.yaml"); err == nil {
		var specs []CategorySpec
		if err := yaml.Unmarshal(raw, &specs); err != nil {
			return nil, fmt.Errorf("demo categories.yaml: %w", err)
		}
		if err := s.EnsureCategories(ctx, specs); err != nil {
			return nil, err
		}
	}
	files, err := CollectFS(demoFS, "demo", "demo:")
	if err != nil {
		return nil, err
	}
	rep, err := s.Import(ctx, files, ImportOptions{})
	if err != nil {
		return nil, err
	}
	if rep.Failed > 0 {
		return nil, fmt.Errorf("demo article %s: %v", rep.Failures[0].Path, rep.Failures[0].Err)
	}
	return []string{fmt.Sprintf("Help center: /kb (%d demo articles)", rep.Created+rep.Updated+rep.Unchanged)}, nil
}
