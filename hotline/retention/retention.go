// Package retention deletes what govhall may keep only for a while: the
// recordings of calls and the messages callers left, once
// GOVHALL_RECORDING_RETENTION has passed since the call; and the personal
// data of closed queries and applications (the asker's name and phone, the
// applicant's sealed identity and contacts, a third party's), once
// GOVHALL_PERSONAL_DATA_RETENTION has passed since the answer, and the
// caller's number of a call (masked, 138****5678) once it has passed since
// the call, unless a query taken on the call still keeps its own. Records
// stay — a call keeps its times, outcome and checksum, a query its
// question, answer and clocks, so statistics and annual reports do not
// change — and say when they were purged. Each batch is one transaction
// with its audit entry; each run ends with an audit entry of its counts.
package retention

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govhall/govhall/hotline/queries"
	"github.com/govhall/govhall/hotline/recstore"
)

// batchSize is how many rows one transaction purges.
const batchSize = 200

// Actor is the name the purge writes in the audit log.
const Actor = "retention"

// Purger applies the retention periods to one database.
type Purger struct {
	db         *sqlx.DB
	log        *slog.Logger
	recordings Period
	personal   Period
	files      Remover
}

// Remover deletes the recording a record names by URL (or, in records
// written before URLs, by path); recstore.Store implements it.
type Remover interface {
	Remove(url string) error
}

// New returns a Purger keeping recordings for recordings and personal
// data for personal (a zero Period keeps forever). It deletes files with
// a recstore.Dir, which reaches any file:// URL or path; Files sets
// another store.
func New(db *sqlx.DB, log *slog.Logger, recordings, personal Period) *Purger {
	return &Purger{db: db, log: log, recordings: recordings, personal: personal, files: recstore.NewDir("")}
}

// Files makes p delete recordings with r, and returns p.
func (p *Purger) Files(r Remover) *Purger {
	p.files = r
	return p
}

// Report counts what one run purged.
type Report struct {
	Recordings     int   `json:"recordings"`
	RecordingBytes int64 `json:"recording_bytes"`
	Voicemails     int   `json:"voicemails"`
	Queries        int   `json:"queries"`
	Applications   int   `json:"applications"`
	Callers        int   `json:"callers"` // calls whose caller's number was masked
}

// Run purges everything that has outlived its period at now, batch by
// batch, and audits the run with its counts. It stops at the first error,
// keeping the batches already committed.
func (p *Purger) Run(ctx context.Context, now time.Time) (Report, error) {
	var r Report
	var err error
	if !p.recordings.Forever() {
		before := p.recordings.Before(now)
		err = p.batches(ctx, func(ctx context.Context, tx *sqlx.Tx) (int, error) { return p.recordingBatch(ctx, tx, before, now, &r) })
		if err == nil {
			err = p.batches(ctx, func(ctx context.Context, tx *sqlx.Tx) (int, error) { return p.voicemailBatch(ctx, tx, before, now, &r) })
		}
	}
	if err == nil && !p.personal.Forever() {
		before := p.personal.Before(now)
		err = p.batches(ctx, func(ctx context.Context, tx *sqlx.Tx) (int, error) { return p.personalBatch(ctx, tx, before, now, &r) })
		if err == nil {
			err = p.batches(ctx, func(ctx context.Context, tx *sqlx.Tx) (int, error) { return p.callerBatch(ctx, tx, before, now, &r) })
		}
	}
	detail := map[string]any{"report": r, "recording_retention": p.recordings.String(), "personal_data_retention": p.personal.String()}
	if err != nil {
		detail["error"] = "stopped early; see the server log"
	}
	if aerr := audit(ctx, p.db, "retention.run", "", detail); aerr != nil && err == nil {
		err = aerr
	}
	p.log.Info("retention purge", "recordings", r.Recordings, "bytes", r.RecordingBytes, "voicemails", r.Voicemails,
		"queries", r.Queries, "applications", r.Applications, "callers", r.Callers, "err", err)
	return r, err
}

// batches runs batch in its own transaction until it finds nothing more.
func (p *Purger) batches(ctx context.Context, batch func(context.Context, *sqlx.Tx) (int, error)) error {
	for {
		tx, err := p.db.BeginTxx(ctx, nil)
		if err != nil {
			return fmt.Errorf("retention: begin: %w", err)
		}
		n, err := batch(ctx, tx)
		if err == nil && n > 0 {
			err = tx.Commit()
		}
		tx.Rollback()
		if err != nil || n < batchSize {
			return err
		}
	}
}

// file is a recording or message due for deletion.
type file struct {
	ID   int64  `db:"id"`
	Path string `db:"path"`
	Size int64  `db:"size"`
}

// recordingBatch deletes the recordings of up to batchSize calls that
// ended before before, marks the calls and audits the batch.
func (p *Purger) recordingBatch(ctx context.Context, tx *sqlx.Tx, before, now time.Time, r *Report) (int, error) {
	var due []file
	const q = `SELECT id, recording_path AS path, recording_size AS size FROM calls
		WHERE ended_at < $1 AND recording_path <> '' AND recording_purged_at IS NULL
		ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`
	if err := tx.SelectContext(ctx, &due, q, before, batchSize); err != nil {
		return 0, fmt.Errorf("retention: recordings due: %w", err)
	}
	if len(due) == 0 {
		return 0, nil
	}
	ids, bytes, err := p.remove(due)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE calls SET recording_purged_at = $2 WHERE id = ANY($1)`, pq.Array(ids), now); err != nil {
		return 0, fmt.Errorf("retention: mark recordings: %w", err)
	}
	detail := map[string]any{"calls": ids, "bytes": bytes, "ended_before": before, "retention": p.recordings.String()}
	if err := audit(ctx, tx, "retention.recordings", "call", detail); err != nil {
		return 0, err
	}
	r.Recordings += len(ids)
	r.RecordingBytes += bytes
	return len(due), nil
}

// voicemailBatch deletes up to batchSize messages callers left before
// before and marks them.
func (p *Purger) voicemailBatch(ctx context.Context, tx *sqlx.Tx, before, now time.Time, r *Report) (int, error) {
	var due []file
	const q = `SELECT call_id AS id, path, size FROM call_voicemails WHERE created_at < $1 AND purged_at IS NULL
		ORDER BY call_id LIMIT $2 FOR UPDATE SKIP LOCKED`
	if err := tx.SelectContext(ctx, &due, q, before, batchSize); err != nil {
		return 0, fmt.Errorf("retention: messages due: %w", err)
	}
	if len(due) == 0 {
		return 0, nil
	}
	ids, bytes, err := p.remove(due)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE call_voicemails SET purged_at = $2 WHERE call_id = ANY($1)`, pq.Array(ids), now); err != nil {
		return 0, fmt.Errorf("retention: mark messages: %w", err)
	}
	detail := map[string]any{"calls": ids, "bytes": bytes, "left_before": before, "retention": p.recordings.String()}
	if err := audit(ctx, tx, "retention.voicemails", "call", detail); err != nil {
		return 0, err
	}
	r.Voicemails += len(ids)
	r.RecordingBytes += bytes
	return len(due), nil
}

// remove deletes the files, a file already gone counting as deleted (a
// batch rolled back after its files went), and returns their ids and size.
func (p *Purger) remove(due []file) ([]int64, int64, error) {
	ids := make([]int64, len(due))
	var bytes int64
	for i, f := range due {
		if err := p.files.Remove(f.Path); err != nil {
			return nil, 0, fmt.Errorf("retention: delete recording of call %d: %w", f.ID, err)
		}
		ids[i] = f.ID
		bytes += f.Size
	}
	return ids, bytes, nil
}

// closed is a query whose personal data is due.
type closed struct {
	ID          int64  `db:"id"`
	Code        string `db:"code"`
	Question    string `db:"question"`
	Name        string `db:"asker_name"`
	Phone       string `db:"asker_phone"`
	Application bool   `db:"application"`
}

// personalBatch masks the personal data of up to batchSize queries
// answered before before, with nothing still open on them (a complaint,
// a review or a suit about an application's decision), and audits it.
func (p *Purger) personalBatch(ctx context.Context, tx *sqlx.Tx, before, now time.Time, r *Report) (int, error) {
	var qs []closed
	const q = `SELECT q.id, q.code, q.question, q.asker_name, q.asker_phone, a.query_id IS NOT NULL AS application
		FROM queries q LEFT JOIN applications a ON a.query_id = q.id
		WHERE q.status = 'answered' AND q.personal_purged_at IS NULL AND q.answered_at < $1
		  AND NOT EXISTS (SELECT 1 FROM query_complaints c WHERE c.query_id = q.id AND (c.status = 'open' OR c.replied_at >= $1))
		  AND NOT EXISTS (SELECT 1 FROM application_cases k WHERE k.query_id = q.id AND (k.outcome = 'pending' OR k.closed_on >= $1::date))
		ORDER BY q.id LIMIT $2 FOR UPDATE OF q SKIP LOCKED`
	if err := tx.SelectContext(ctx, &qs, q, before, batchSize); err != nil {
		return 0, fmt.Errorf("retention: queries due: %w", err)
	}
	var codes []string
	var apps []int64
	for _, c := range qs {
		if err := maskQuery(ctx, tx, c, now); err != nil {
			return 0, err
		}
		codes = append(codes, c.Code)
		if c.Application {
			apps = append(apps, c.ID)
		}
	}
	if len(qs) == 0 {
		return 0, nil
	}
	if err := maskApplications(ctx, tx, apps); err != nil {
		return 0, err
	}
	detail := map[string]any{"queries": codes, "applications": len(apps), "answered_before": before, "retention": p.personal.String()}
	if err := audit(ctx, tx, "retention.personal_data", "query", detail); err != nil {
		return 0, err
	}
	r.Queries += len(qs)
	r.Applications += len(apps)
	return len(qs), nil
}

// maskQuery keeps the asker's name as 张*, drops the phone number and masks
// both wherever the question and the complaints repeat them.
func maskQuery(ctx context.Context, tx *sqlx.Tx, c closed, now time.Time) error {
	const q = `UPDATE queries SET asker_name = $2, asker_phone = '', question = $3, personal_purged_at = $4 WHERE id = $1`
	if _, err := tx.ExecContext(ctx, q, c.ID, queries.MaskName(c.Name), redact(c.Question, c), now); err != nil {
		return fmt.Errorf("retention: mask query %s: %w", c.Code, err)
	}
	if c.Name == "" && c.Phone == "" {
		return nil
	}
	var reasons []struct {
		ID     int64  `db:"id"`
		Reason string `db:"reason"`
	}
	if err := tx.SelectContext(ctx, &reasons, `SELECT id, reason FROM query_complaints WHERE query_id = $1`, c.ID); err != nil {
		return fmt.Errorf("retention: complaints of %s: %w", c.Code, err)
	}
	for _, rc := range reasons {
		if masked := redact(rc.Reason, c); masked != rc.Reason {
			if _, err := tx.ExecContext(ctx, `UPDATE query_complaints SET reason = $2 WHERE id = $1`, rc.ID, masked); err != nil {
				return fmt.Errorf("retention: mask complaint of %s: %w", c.Code, err)
			}
		}
	}
	return nil
}

// redact masks the asker's name and phone number in text.
func redact(text string, c closed) string {
	if utf8.RuneCountInString(c.Name) >= 2 {
		text = strings.ReplaceAll(text, c.Name, queries.MaskName(c.Name))
	}
	if len(c.Phone) >= 5 {
		text = strings.ReplaceAll(text, c.Phone, queries.MaskPhone(c.Phone))
	}
	return text
}

// maskApplications drops the sealed identity and contacts of the
// applicants and of the third parties consulted: what is left is the
// masked name (张*) and the redacted text of the request.
func maskApplications(ctx context.Context, tx *sqlx.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE applications SET applicant_enc = '' WHERE query_id = ANY($1)`, pq.Array(ids)); err != nil {
		return fmt.Errorf("retention: mask applicants: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE application_consultations SET third_party_enc = '' WHERE query_id = ANY($1)`, pq.Array(ids)); err != nil {
		return fmt.Errorf("retention: mask third parties: %w", err)
	}
	return nil
}

// callerBatch masks the caller's number of up to batchSize calls that
// ended before before — except a call whose query still keeps its
// asker's data (not answered, or a complaint or case open) — and audits
// the batch with the calls' ids.
func (p *Purger) callerBatch(ctx context.Context, tx *sqlx.Tx, before, now time.Time, r *Report) (int, error) {
	var due []struct {
		ID     int64  `db:"id"`
		Caller string `db:"caller"`
	}
	const q = `SELECT c.id, c.caller FROM calls c
		WHERE c.caller_purged_at IS NULL AND c.caller <> '' AND c.ended_at < $1
		  AND NOT EXISTS (SELECT 1 FROM queries q WHERE c.query_code <> '' AND q.code = c.query_code AND q.personal_purged_at IS NULL)
		ORDER BY c.id LIMIT $2 FOR UPDATE OF c SKIP LOCKED`
	if err := tx.SelectContext(ctx, &due, q, before, batchSize); err != nil {
		return 0, fmt.Errorf("retention: callers due: %w", err)
	}
	ids := make([]int64, len(due))
	for i, c := range due {
		ids[i] = c.ID
		const upd = `UPDATE calls SET caller = $2, caller_purged_at = $3 WHERE id = $1`
		if _, err := tx.ExecContext(ctx, upd, c.ID, queries.MaskPhone(c.Caller), now); err != nil {
			return 0, fmt.Errorf("retention: mask caller of call %d: %w", c.ID, err)
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	detail := map[string]any{"calls": ids, "ended_before": before, "retention": p.personal.String()}
	if err := audit(ctx, tx, "retention.callers", "call", detail); err != nil {
		return 0, err
	}
	r.Callers += len(due)
	return len(due), nil
}

// audit writes an entry of the purge through q (the batch's transaction).
func audit(ctx context.Context, q sqlx.ExecerContext, action, objType string, detail map[string]any) error {
	js, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("retention: audit detail: %w", err)
	}
	const ins = `INSERT INTO audit_log (actor, action, object_type, detail) VALUES ($1, $2, $3, $4)`
	if _, err := q.ExecContext(ctx, ins, Actor, action, objType, js); err != nil {
		return fmt.Errorf("retention: audit %s: %w", action, err)
	}
	return nil
}
