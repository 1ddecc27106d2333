package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/migrations"
	"github.com/govhall/govhall/server/metrics"
)

// readyCheck is the outcome of one readiness check, in words for the
// people on call.
type readyCheck struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// readyz is GET /readyz: 200 when every check passes, else 503 naming
// each failing one. Unlike /healthz (alive: the database answers), it says
// whether this instance should take traffic.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	checks := map[string]readyCheck{
		"database":   s.checkDatabase(ctx),
		"migrations": s.checkMigrations(ctx),
		"search":     s.checkSearch(),
		"sip":        s.checkSIP(),
		"recordings": s.checkRecordings(),
	}
	var failing, why []string
	for name, ch := range checks {
		if !ch.OK {
			failing = append(failing, name)
		}
	}
	sort.Strings(failing)
	if len(failing) == 0 {
		return c.JSON(fiber.Map{"status": "ready", "checks": checks})
	}
	for _, name := range failing {
		why = append(why, checks[name].Detail)
	}
	return c.Status(http.StatusServiceUnavailable).JSON(fiber.Map{"status": "not_ready",
		"error": "未就绪：" + strings.Join(why, "；"), "failing": failing, "checks": checks})
}

func (s *Server) checkDatabase(ctx context.Context) readyCheck {
	if err := s.deps.DB.PingContext(ctx); err != nil {
		s.log.Warn("readiness: database unreachable", "err", err)
		return readyCheck{false, "数据库无应答"}
	}
	return readyCheck{true, "数据库有应答"}
}

func (s *Server) checkMigrations(ctx context.Context) readyCheck {
	st, err := migrations.Status(ctx, s.deps.DB)
	switch {
	case err != nil:
		s.log.Warn("readiness: migrations unreadable", "err", err)
		return readyCheck{false, "读不到数据库的迁移记录（schema_migrations）"}
	case len(st.Pending) > 0:
		return readyCheck{false, fmt.Sprintf("数据库缺少 %d 个迁移（%s）：请运行 govhall migrate", len(st.Pending), strings.Join(st.Pending, "、"))}
	case len(st.Unknown) > 0:
		return readyCheck{false, fmt.Sprintf("数据库有本程序不认识的迁移 %v：数据库已被更新版本的 govhall 迁移，请升级本程序", st.Unknown)}
	}
	return readyCheck{true, fmt.Sprintf("迁移已是最新（%d 个）", st.Applied)}
}

func (s *Server) checkSearch() readyCheck {
	if s.deps.Search == nil {
		return readyCheck{true, "本服务器不提供检索"}
	}
	st := s.deps.Search.IndexStatus()
	switch {
	case !st.Enabled:
		return readyCheck{true, "未配置内存索引：检索由 PostgreSQL 的检索语句承担"}
	case !st.Loaded:
		return readyCheck{false, "检索内存索引尚未载入（检索暂由 PostgreSQL 承担）"}
	}
	return readyCheck{true, fmt.Sprintf("检索内存索引已载入（%d 份文档）", st.Documents)}
}

func (s *Server) checkSIP() readyCheck {
	sip := s.deps.Observe.SIP
	switch {
	case sip == nil:
		return readyCheck{true, "本服务器不接 SIP 呼叫"}
	case !sip.Listening():
		return readyCheck{false, "SIP 未在监听（尚未启动或正在停止）"}
	}
	if n, ok := sip.(interface{ NodeRefusal() string }); ok {
		if why := n.NodeRefusal(); why != "" {
			return readyCheck{false, why}
		}
	}
	return readyCheck{true, "SIP 正在监听"}
}

// checkRecordings writes and removes a file in the recordings directory
// and checks the free space of its disk.
func (s *Server) checkRecordings() readyCheck {
	o := s.deps.Observe
	if o.RecordingsDir == "" {
		return readyCheck{true, "本服务器不保存录音"}
	}
	f, err := os.CreateTemp(o.RecordingsDir, ".readyz-*")
	if err != nil {
		s.log.Warn("readiness: recordings directory not writable", "dir", o.RecordingsDir, "err", err)
		return readyCheck{false, "录音目录不可写"}
	}
	f.Close()
	os.Remove(f.Name())
	free, _, err := metrics.DiskSpace(o.RecordingsDir)
	if err != nil {
		s.log.Warn("readiness: recordings disk", "dir", o.RecordingsDir, "err", err)
		return readyCheck{false, "读不到录音目录所在磁盘的剩余空间"}
	}
	if free < o.MinFreeBytes {
		return readyCheck{false, fmt.Sprintf("录音磁盘只剩 %d MB，低于下限 %d MB（GOVHALL_MIN_FREE_MB）", free>>20, o.MinFreeBytes>>20)}
	}
	return readyCheck{true, fmt.Sprintf("录音目录可写，剩余 %d MB（下限 %d MB）", free>>20, o.MinFreeBytes>>20)}
}
