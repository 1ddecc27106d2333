package kiosk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/govhall/govhall/kiosk/printjob"
)

// Place types of terminals: the 政务公开专区 of a service hall, and query
// terminals (查询终端) in public libraries and archives.
var placeTypes = []string{"服务大厅", "图书馆", "档案馆"}

// OfflineAfter is how long a terminal may go without a heartbeat (sent
// every 30 s) before it counts as offline.
const OfflineAfter = 90 * time.Second

// Terminal is a registered kiosk.
type Terminal struct {
	ID             int64      `db:"id" json:"id"`
	Name           string     `db:"name" json:"name"`
	PlaceType      string     `db:"place_type" json:"place_type"`
	Address        string     `db:"address" json:"address"`
	DepartmentID   *int64     `db:"department_id" json:"department_id"`
	PrinterAddr    string     `db:"printer_addr" json:"printer_addr"`
	PrinterProfile string     `db:"printer_profile" json:"printer_profile"`
	PrinterState   string     `db:"printer_state" json:"printer_state"`
	PrinterMessage string     `db:"printer_message" json:"printer_message"`
	LastSeenAt     *time.Time `db:"last_seen_at" json:"last_seen_at"`
	Disabled       bool       `db:"disabled" json:"disabled"`
	Online         bool       `db:"-" json:"online"`
	OfflineSince   *time.Time `db:"-" json:"offline_since,omitempty"`
}

const terminalColumns = `id, name, place_type, address, department_id, printer_addr, printer_profile,
	printer_state, printer_message, last_seen_at, disabled`

func (t *Terminal) setOnline(now time.Time) {
	t.Online = !t.Disabled && t.LastSeenAt != nil && now.Sub(*t.LastSeenAt) < OfflineAfter
	if !t.Online && t.LastSeenAt != nil {
		since := t.LastSeenAt.Add(OfflineAfter)
		t.OfflineSince = &since
	}
}

// NewTerminal is what RegisterTerminal needs.
type NewTerminal struct {
	Name           string `json:"name"`
	PlaceType      string `json:"place_type"`
	Address        string `json:"address"`
	Department     string `json:"department"`
	PrinterAddr    string `json:"printer_addr"`
	PrinterProfile string `json:"printer_profile"`
}

// RegisterTerminal adds a terminal and returns it with its device token,
// which is shown once and stored only as a hash. Audited.
func (s *Store) RegisterTerminal(ctx context.Context, a Actor, in NewTerminal) (Terminal, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return Terminal{}, "", fieldErr("name", "请填写终端名称，如 县政务服务中心一楼查询机")
	}
	if !oneOf(in.PlaceType, placeTypes) {
		return Terminal{}, "", fieldErr("place_type", "请选择放置场所：服务大厅、图书馆或档案馆")
	}
	if err := checkPrinterProfile(in.PrinterProfile); err != nil {
		return Terminal{}, "", err
	}
	var depID *int64
	if in.Department != "" {
		d, err := s.Department(ctx, in.Department)
		if err != nil {
			return Terminal{}, "", fieldErr("department", "没有部门“%s”", in.Department)
		}
		depID = &d.ID
	}
	token, hash := newDeviceToken()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Terminal{}, "", fmt.Errorf("kiosk: register terminal: %w", err)
	}
	defer tx.Rollback()
	const q = `INSERT INTO terminals (name, place_type, address, department_id, token_hash, printer_addr, printer_profile)
		VALUES ($1, $2, $3, $4, $5, $6, COALESCE(NULLIF($7, ''), 'generic-58')) RETURNING ` + terminalColumns
	var t Terminal
	err = tx.GetContext(ctx, &t, q, in.Name, in.PlaceType, in.Address, depID, hash, in.PrinterAddr, in.PrinterProfile)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return t, "", fieldErr("name", "已有名为“%s”的终端，请换一个名称", in.Name)
	}
	if err != nil {
		return t, "", fmt.Errorf("kiosk: register terminal: %w", err)
	}
	if err := audit(ctx, tx, a, "terminal.register", "terminal", t.ID, map[string]any{"name": t.Name, "place_type": t.PlaceType}); err != nil {
		return t, "", err
	}
	return t, token, tx.Commit()
}

func newDeviceToken() (string, []byte) {
	raw := make([]byte, 24)
	rand.Read(raw)
	token := "kt_" + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	return token, sum[:]
}

// TerminalByToken returns the enabled terminal holding a device token, or ErrNotFound.
func (s *Store) TerminalByToken(ctx context.Context, token string) (Terminal, error) {
	sum := sha256.Sum256([]byte(token))
	var t Terminal
	err := s.db.GetContext(ctx, &t, `SELECT `+terminalColumns+` FROM terminals WHERE token_hash = $1 AND NOT disabled`, sum[:])
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("terminal token: %w", ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("kiosk: terminal by token: %w", err)
	}
	t.setOnline(time.Now())
	return t, nil
}

// Heartbeat records that a terminal is alive and what it knows of its printer.
func (s *Store) Heartbeat(ctx context.Context, id int64, printerState, printerMessage, ip string) error {
	const q = `UPDATE terminals SET last_seen_at = now(), last_ip = COALESCE(NULLIF($2, ''), last_ip),
			printer_state = COALESCE(NULLIF($3, ''), printer_state),
			printer_message = CASE WHEN $3 = '' THEN printer_message ELSE $4 END
		WHERE id = $1`
	if _, err := s.db.ExecContext(ctx, q, id, ip, printerState, printerMessage); err != nil {
		return fmt.Errorf("kiosk: heartbeat of terminal %d: %w", id, err)
	}
	return nil
}

// Terminals lists all terminals with whether they are online and, if not, since when.
func (s *Store) Terminals(ctx context.Context) ([]Terminal, error) {
	var ts []Terminal
	if err := s.db.SelectContext(ctx, &ts, `SELECT `+terminalColumns+` FROM terminals ORDER BY id`); err != nil {
		return nil, fmt.Errorf("kiosk: list terminals: %w", err)
	}
	now := time.Now()
	for i := range ts {
		ts[i].setOnline(now)
	}
	return ts, nil
}

// PlaceTypes returns the place types a terminal may have.
func PlaceTypes() []string { return append([]string(nil), placeTypes...) }

// checkPrinterProfile refuses a printer profile the print job builder
// cannot use ("" is the default, generic-58).
func checkPrinterProfile(spec string) error {
	if strings.TrimSpace(spec) == "" {
		return nil
	}
	if _, err := printjob.ParseProfile(spec); err != nil {
		var names []string
		for _, p := range printjob.Profiles() {
			names = append(names, p.Name)
		}
		return fieldErr("printer_profile", "打印机型号“%s”不可用；可选 %s，也可加设置，如 generic-80,cut=full", spec, strings.Join(names, "、"))
	}
	return nil
}

// TerminalEdit is what an admin may change of a registered terminal.
type TerminalEdit struct {
	PlaceType      string `json:"place_type"`
	PrinterProfile string `json:"printer_profile"`
}

// UpdateTerminal changes a terminal's place type and printer profile
// (the kiosk reads them at its next heartbeat or print). It returns
// ErrNotFound for an unknown id and a FieldError for a bad value. Audited.
func (s *Store) UpdateTerminal(ctx context.Context, a Actor, id int64, in TerminalEdit) (Terminal, error) {
	in.PrinterProfile = strings.TrimSpace(in.PrinterProfile)
	if !oneOf(in.PlaceType, placeTypes) {
		return Terminal{}, fieldErr("place_type", "请选择放置场所：服务大厅、图书馆或档案馆")
	}
	if in.PrinterProfile == "" {
		return Terminal{}, fieldErr("printer_profile", "请选择打印机型号")
	}
	if err := checkPrinterProfile(in.PrinterProfile); err != nil {
		return Terminal{}, err
	}
	return s.changeTerminal(ctx, a, id, "terminal.update", map[string]any{"place_type": in.PlaceType, "printer_profile": in.PrinterProfile},
		`UPDATE terminals SET place_type = $2, printer_profile = $3 WHERE id = $1 RETURNING `+terminalColumns, in.PlaceType, in.PrinterProfile)
}

// RevokeTerminal withdraws a terminal's device token: the kiosk is refused
// from its next request on, and it counts as offline. Its history stays;
// ReissueTerminalToken brings it back. Audited.
func (s *Store) RevokeTerminal(ctx context.Context, a Actor, id int64) (Terminal, error) {
	return s.changeTerminal(ctx, a, id, "terminal.revoke", nil,
		`UPDATE terminals SET disabled = true WHERE id = $1 RETURNING `+terminalColumns)
}

// ReissueTerminalToken gives a terminal a new device token (shown once,
// stored as a hash) and enables it; the old token stops working at once.
// For a kiosk whose token was lost, leaked or revoked. Audited.
func (s *Store) ReissueTerminalToken(ctx context.Context, a Actor, id int64) (Terminal, string, error) {
	token, hash := newDeviceToken()
	t, err := s.changeTerminal(ctx, a, id, "terminal.token", nil,
		`UPDATE terminals SET token_hash = $2, disabled = false WHERE id = $1 RETURNING `+terminalColumns, hash)
	if err != nil {
		return t, "", err
	}
	return t, token, nil
}

// changeTerminal runs one UPDATE … RETURNING of a terminal with its audit
// entry.
func (s *Store) changeTerminal(ctx context.Context, a Actor, id int64, action string, detail map[string]any, q string, args ...any) (Terminal, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return Terminal{}, fmt.Errorf("kiosk: %s: %w", action, err)
	}
	defer tx.Rollback()
	var t Terminal
	err = tx.GetContext(ctx, &t, q, append([]any{id}, args...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("terminal %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("kiosk: %s %d: %w", action, id, err)
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["name"] = t.Name
	if err := audit(ctx, tx, a, action, "terminal", t.ID, detail); err != nil {
		return t, err
	}
	t.setOnline(time.Now())
	return t, tx.Commit()
}

// PrinterStateText names a printer state for staff.
func PrinterStateText(state string) string {
	switch state {
	case printjob.StateOK:
		return "正常"
	case printjob.StatePaperNearEnd:
		return "纸将用完"
	case printjob.StatePaperOut:
		return "缺纸"
	case printjob.StateCoverOpen:
		return "舱盖未合上"
	case printjob.StateOffline:
		return "打印机脱机"
	case printjob.StateError:
		return "打印机故障"
	case printjob.StateUnreachable:
		return "连不上打印机"
	}
	return "未知"
}

// Terminal event kinds counted for the annual report.
var eventKinds = []string{"search", "view", "print", "idle_reset", "query_check", "offline_view"}

// RecordTerminalEvent counts one use of a terminal. A document id that is
// not public is dropped rather than recorded.
func (s *Store) RecordTerminalEvent(ctx context.Context, terminalID int64, kind string, docID int64, query string) error {
	if !oneOf(kind, eventKinds) {
		return fieldErr("kind", "%q is not one of search, view, print, idle_reset, query_check, offline_view", kind)
	}
	if len([]rune(query)) > 100 {
		query = string([]rune(query)[:100])
	}
	const q = `INSERT INTO terminal_events (terminal_id, kind, document_id, query)
		VALUES ($1, $2, (SELECT id FROM public_documents WHERE id = $3), $4)`
	if _, err := s.db.ExecContext(ctx, q, terminalID, kind, docID, query); err != nil {
		return fmt.Errorf("kiosk: terminal event: %w", err)
	}
	return nil
}

// UsageRow counts the uses of one terminal in a period.
type UsageRow struct {
	TerminalID int64  `db:"terminal_id" json:"terminal_id"`
	Name       string `db:"name" json:"name"`
	PlaceType  string `db:"place_type" json:"place_type"`
	Searches   int    `db:"searches" json:"searches"`
	Views      int    `db:"views" json:"views"`
	Prints     int    `db:"prints" json:"prints"`
	IdleResets int    `db:"idle_resets" json:"idle_resets"`
	Checks     int    `db:"query_checks" json:"query_checks"`
}

// Usage counts terminal use per terminal in [from, to), for the annual
// report (政府信息公开工作年度报告); the caller sums by place type.
func (s *Store) Usage(ctx context.Context, from, to time.Time) ([]UsageRow, error) {
	const q = `SELECT t.id AS terminal_id, t.name, t.place_type,
			count(*) FILTER (WHERE e.kind = 'search') AS searches,
			count(*) FILTER (WHERE e.kind = 'view') AS views,
			count(*) FILTER (WHERE e.kind = 'print') AS prints,
			count(*) FILTER (WHERE e.kind = 'idle_reset') AS idle_resets,
			count(*) FILTER (WHERE e.kind = 'query_check') AS query_checks
		FROM terminals t LEFT JOIN terminal_events e ON e.terminal_id = t.id AND e.at >= $1 AND e.at < $2
		GROUP BY t.id ORDER BY t.place_type, t.id`
	var rows []UsageRow
	if err := s.db.SelectContext(ctx, &rows, q, from, to); err != nil {
		return nil, fmt.Errorf("kiosk: terminal usage: %w", err)
	}
	return rows, nil
}
