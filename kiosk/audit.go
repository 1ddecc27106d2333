package kiosk

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// audit writes one audit_log row in the caller's transaction, so the record
// commits or rolls back with the change it describes.
func audit(ctx context.Context, tx sqlx.ExecerContext, a Actor, action, objType string, objID any, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	js, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("kiosk: audit detail: %w", err)
	}
	const q = `INSERT INTO audit_log (account_id, actor, ip, action, object_type, object_id, detail)
		VALUES (NULLIF($1, 0), $2, $3, $4, $5, $6, $7)`
	if _, err := tx.ExecContext(ctx, q, a.AccountID, a.Username, a.IP, action, objType, fmt.Sprint(objID), js); err != nil {
		return fmt.Errorf("kiosk: audit %s: %w", action, err)
	}
	return nil
}
