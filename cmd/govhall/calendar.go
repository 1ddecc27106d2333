package main

import (
	"context"
	"errors"
)

func (p *program) calendar(ctx context.Context, args []string) error {
	return errors.New("calendar: not built yet")
}
