package kiosk

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
)

//go:embed demodata
var demoFS embed.FS

// DemoResult counts what LoadDemo wrote.
type DemoResult struct {
	Departments int
	Categories  int
	Import      ImportResult
}

// LoadDemo loads the demo departments, category tree and documents. It is
// idempotent: existing departments are updated and existing documents (by
// 索引号) are left alone.
func (s *Store) LoadDemo(ctx context.Context, a Actor) (DemoResult, error) {
	var res DemoResult
	var deps []Department
	if err := readDemoJSON("demodata/departments.json", &deps); err != nil {
		return res, err
	}
	for _, d := range deps {
		if _, err := s.SaveDepartment(ctx, a, d); err != nil {
			return res, fmt.Errorf("kiosk: demo department %s: %w", d.Code, err)
		}
	}
	res.Departments = len(deps)
	var paths []string
	if err := readDemoJSON("demodata/categories.json", &paths); err != nil {
		return res, err
	}
	for _, p := range paths {
		if _, err := s.EnsureCategoryPath(ctx, a, p); err != nil {
			return res, fmt.Errorf("kiosk: demo category %s: %w", p, err)
		}
	}
	res.Categories = len(paths)
	docs, err := demoFS.ReadFile("demodata/documents.jsonl")
	if err != nil {
		return res, fmt.Errorf("kiosk: demo documents: %w", err)
	}
	res.Import, err = s.Import(ctx, a, bytes.NewReader(docs), ImportOptions{SkipExisting: true})
	if err != nil {
		return res, fmt.Errorf("kiosk: demo documents: %w", err)
	}
	return res, nil
}

// DemoDepartments returns the demo departments (for the demo accounts).
func DemoDepartments() ([]Department, error) {
	var deps []Department
	return deps, readDemoJSON("demodata/departments.json", &deps)
}

func readDemoJSON(name string, v any) error {
	b, err := demoFS.ReadFile(name)
	if err != nil {
		return fmt.Errorf("kiosk: %s: %w", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("kiosk: %s: %w", name, err)
	}
	return nil
}
