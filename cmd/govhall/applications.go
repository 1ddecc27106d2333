package main

import (
	"fmt"
	"path/filepath"

	"github.com/govhall/govhall/hotline/applications"
)

// dataKeyFile is where the data key is kept under GOVHALL_DATA_DIR when
// GOVHALL_DATA_KEY is unset.
const dataKeyFile = "secrets/data.key"

// dataKeys returns the key that seals personal data at rest (applicants of
// 依申请公开): GOVHALL_DATA_KEY (base64 of 32 bytes) when set, else the key
// kept in GOVHALL_DATA_DIR/secrets/data.key, generated on first use (mode
// 0600). Losing the key loses the applicants' names and contacts: back up
// the file or set the variable from a secret store. Only the key's id is
// logged, never the key.
func (p *program) dataKeys() (*applications.Keys, error) {
	if p.cfg.DataKey != "" {
		k, err := applications.ParseKey(p.cfg.DataKey)
		if err != nil {
			return nil, fmt.Errorf("GOVHALL_DATA_KEY: %w", err)
		}
		p.log.Info("data key from GOVHALL_DATA_KEY", "key_id", k.ID())
		return k, nil
	}
	path := filepath.Join(p.cfg.DataDir, dataKeyFile)
	k, created, err := applications.LoadOrCreateKey(path)
	if err != nil {
		return nil, err
	}
	if created {
		p.log.Warn("generated a data key for personal data: back it up, or set GOVHALL_DATA_KEY", "path", path, "key_id", k.ID())
	} else {
		p.log.Info("data key from file", "path", path, "key_id", k.ID())
	}
	return k, nil
}

// applicationStore builds 依申请公开 on the queries store of svc.
func (p *program) applicationStore(svc *services) (*applications.Store, error) {
	keys, err := p.dataKeys()
	if err != nil {
		return nil, err
	}
	return applications.NewStore(svc.db, svc.queries, svc.calendar, keys, applications.Options{}), nil
}
