package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/govhall/govhall/kiosk"
	"github.com/govhall/govhall/server/staff"
)

// demoAccount is one of the demo staff accounts printed by `govhall demo`.
type demoAccount struct {
	username, name string
	roles          []string
	department     string // department code
}

var demoAccounts = []demoAccount{
	{"admin", "系统管理员", []string{staff.RoleAdmin}, ""},
	{"writer1", "信息员 陈晨（起草）", []string{staff.RoleReviewer}, "zfb"},
	{"reviewer1", "信息员 王敏", []string{staff.RoleReviewer}, "zfb"},
	{"reviewer2", "科室负责人 李强", []string{staff.RoleReviewer}, "zfb"},
	{"reviewer3", "分管领导 张建国", []string{staff.RoleReviewer}, "zfb"},
	{"operator1", "话务员 赵丽", []string{staff.RoleOperator}, ""},
	{"operator2", "话务员 孙磊", []string{staff.RoleOperator}, ""},
	{"operator3", "话务员 周静", []string{staff.RoleOperator}, ""},
	{"liaison1", "民政局联络员 刘洋", []string{staff.RoleLiaison}, "mzj"},
	{"liaison2", "医保局联络员 陈晨", []string{staff.RoleLiaison}, "ybj"},
	{"liaison3", "人社局联络员 杨帆", []string{staff.RoleLiaison}, "rsj"},
	{"liaison4", "公积金联络员 黄蕾", []string{staff.RoleLiaison}, "gjj"},
	{"liaison5", "政府办联络员 吴刚", []string{staff.RoleLiaison}, "zfb"},
	{"supervisor1", "督查室 郑华", []string{staff.RoleSupervisor}, ""},
}

// demo loads the demo catalog and accounts idempotently and prints the accounts.
func (p *program) demo(ctx context.Context) error {
	db, closeDB, err := p.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	svc, err := p.services(ctx, db)
	if err != nil {
		return err
	}
	sys := kiosk.Actor{Username: "govhall demo"}
	res, err := svc.catalog.LoadDemo(ctx, sys)
	if err != nil {
		return err
	}
	if err := p.demoAccounts(ctx, svc); err != nil {
		return err
	}
	if err := p.demoSIP(ctx, svc); err != nil {
		return err
	}
	if err := demoRevision(ctx, svc); err != nil {
		return err
	}
	fmt.Fprintf(p.stdout, "demo content: %d departments, %d categories, %d documents imported (%d already present)\n",
		res.Departments, res.Categories, res.Import.Imported, res.Import.Skipped)
	fmt.Fprintf(p.stdout, "demo accounts (password from GOVHALL_DEMO_PASSWORD, default demo-96128):\n")
	for _, a := range demoAccounts {
		fmt.Fprintf(p.stdout, "  %-12s %-10s %s\n", a.username, a.roles[0], a.name)
	}
	fmt.Fprintf(p.stdout, "demo SIP phones (same password, realm govhall): operators 8001–8003, liaisons 8101–8105; callers dial 96128 at %s\n", p.cfg.SIPAddr)
	return nil
}

func (p *program) demoAccounts(ctx context.Context, svc *services) error {
	for _, a := range demoAccounts {
		var depID int64
		if a.department != "" {
			d, err := svc.catalog.Department(ctx, a.department)
			if err != nil {
				return err
			}
			depID = d.ID
		}
		_, err := svc.staff.Create(ctx, staff.NewAccount{Username: a.username, DisplayName: a.name,
			Password: p.cfg.DemoPassword, Roles: a.roles, DepartmentID: depID})
		if errors.Is(err, staff.ErrExists) {
			err = svc.staff.SetPassword(ctx, a.username, p.cfg.DemoPassword)
		}
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.username, err)
		}
	}
	return nil
}

// demoRevision puts one revision of a demo document in the review queue
// (once), so that reviewer1 finds a per-character diff waiting.
func demoRevision(ctx context.Context, svc *services) error {
	ds, _, err := svc.catalog.List(ctx, kiosk.Filter{State: kiosk.StatePublished, Kind: kiosk.KindGuide, Limit: 1})
	if err != nil || len(ds) == 0 {
		return err
	}
	id := ds[0].ID
	if vs, err := svc.catalog.Versions(ctx, id); err != nil || len(vs) > 0 {
		return err
	}
	w, err := svc.staff.ByUsername(ctx, "writer1")
	if err != nil {
		return err
	}
	a := kiosk.Actor{AccountID: w.ID, Username: w.Username, Roles: w.Roles}
	in, _, err := svc.catalog.Content(ctx, id)
	if err != nil {
		return err
	}
	in.Title += "（2026年修订）"
	in.Body = strings.Replace(in.Body, "。", "，办理结果可通过 96128 或政务公开专区查询。", 1)
	if err := svc.catalog.Save(ctx, a, id, in); err != nil {
		return fmt.Errorf("demo revision: %w", err)
	}
	if _, err := svc.catalog.Submit(ctx, a, id); err != nil {
		return fmt.Errorf("demo revision: %w", err)
	}
	return nil
}
