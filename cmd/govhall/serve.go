package main

import (
	"context"
	"errors"
)

func (p *program) serve(ctx context.Context) error { return errors.New("serve: not built yet") }
func (p *program) demo(ctx context.Context) error  { return errors.New("demo: not built yet") }
func (p *program) importFile(ctx context.Context, a []string) error {
	return errors.New("import: not built yet")
}
