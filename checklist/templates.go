package checklist

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// templateFS holds the shipped checklist templates.
//
//go:embed templates/*.yaml
var templateFS embed.FS

// ShippedTemplates returns the templates shipped in the binary, sorted by
// ID. Returns an error wrapping [ErrTemplate] when one of them is malformed.
func ShippedTemplates() ([]Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("shipped checklist templates: %w", err)
	}
	var out []Template
	for _, name := range names {
		data, err := templateFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("shipped checklist templates: %w", err)
		}
		t, err := ParseTemplate(name, data)
		if err != nil {
			return nil, fmt.Errorf("shipped checklist templates: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// LoadTemplates returns the shipped templates together with the
// deployer's templates in dir (its *.yaml and *.yml files, not its
// subfolders), sorted by ID. A deployer's template replaces the shipped
// one of the same ID. dir may be "" or missing: then only the shipped
// templates are returned.
//
// A malformed file is left out and reported: the error, which then
// accompanies the templates that did load, wraps [ErrTemplate] with a
// Chinese message per bad file, naming it. An unreadable dir is an error,
// with the shipped templates still returned.
func LoadTemplates(dir string) ([]Template, error) {
	shipped, err := ShippedTemplates()
	if err != nil {
		return nil, err
	}
	byID := make(map[string]Template, len(shipped))
	for _, t := range shipped {
		byID[t.ID] = t
	}
	var errs []error
	if dir != "" {
		entries, err := os.ReadDir(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			errs = append(errs, fmt.Errorf("无法读取清单模板目录 %s：%w", dir, err))
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			t, err := readTemplateFile(filepath.Join(dir, e.Name()))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			byID[t.ID] = t
		}
	}
	out := make([]Template, 0, len(byID))
	for _, t := range byID {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, errors.Join(errs...)
}

// readTemplateFile reads and parses one deployer template file.
func readTemplateFile(name string) (Template, error) {
	f, err := os.Open(name)
	if err != nil {
		return Template{}, fmt.Errorf("无法读取清单模板 %s：%w", name, err)
	}
	defer f.Close()
	// Read one byte past the limit, so that ParseTemplate sees an oversized
	// file as such without reading all of it.
	data, err := io.ReadAll(io.LimitReader(f, MaxTemplateBytes+1))
	if err != nil {
		return Template{}, fmt.Errorf("无法读取清单模板 %s：%w", name, err)
	}
	return ParseTemplate(name, data)
}
