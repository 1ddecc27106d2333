package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// policyTerms are what real catalogs talk about; titles draw their topic
// from here and bodies mix them into the seeds' vocabulary.
var policyTerms = []string{
	"城乡低保", "最低生活保障", "基本医疗保险", "城乡居民医保", "住房公积金", "乡村振兴", "营商环境", "义务教育",
	"就业创业", "养老服务", "残疾人两项补贴", "特困人员救助供养", "临时救助", "耕地保护", "安全生产", "生态环境保护",
	"政务公开", "社会信用体系", "农村危房改造", "退役军人优抚", "食品安全", "个人所得税", "增值税留抵退税",
	"住房保障", "公共租赁住房", "医疗救助", "大病保险", "养老保险", "失业保险", "工伤保险", "职业技能培训",
	"农业补贴", "耕地地力保护补贴", "学生资助", "高龄津贴", "孤儿基本生活费", "防汛抗旱", "森林防火", "垃圾分类",
	"不动产登记", "户籍管理", "一件事一次办", "企业开办", "行政许可", "双随机一公开", "财政预决算", "三公经费",
}

var titleTemplates = []string{
	"关于做好%s工作的通知", "关于进一步加强%s管理的意见", "关于印发%s实施方案的通知", "关于调整%s标准的通知",
	"%s管理办法", "%s实施细则", "关于开展%s专项行动的通知", "关于%s有关问题的补充通知", "%s工作方案",
	"关于做好%s资金发放工作的通知", "%s办事指南", "%s年度工作总结",
}

type benchAgency struct{ code, name, prefix string }

var benchAgencies = []benchAgency{
	{"b-mzj", "县民政局", "沂民发"}, {"b-rsj", "县人力资源和社会保障局", "沂人社发"}, {"b-zf", "县人民政府", "沂政发"},
	{"b-zfb", "县人民政府办公室", "沂政办发"}, {"b-jyj", "县教育和体育局", "沂教体发"}, {"b-wjj", "县卫生健康局", "沂卫健发"},
	{"b-ybj", "县医疗保障局", "沂医保发"}, {"b-zjj", "县住房和城乡建设局", "沂建发"}, {"b-czj", "县财政局", "沂财发"},
	{"b-nyj", "县农业农村局", "沂农发"}, {"b-swj", "县税务局", "沂税发"}, {"b-hbj", "市生态环境局沂源分局", "沂环发"},
	{"b-yjj", "县应急管理局", "沂应急发"}, {"b-scj", "县市场监督管理局", "沂市监发"}, {"b-tyj", "县退役军人事务局", "沂退役发"},
	{"b-cl", "县残疾人联合会", "沂残联发"}, {"b-gjj", "住房公积金管理中心沂源分中心", "淄公积金发"},
	{"b-zrj", "县自然资源局", "沂自然资发"}, {"b-gaj", "县公安局", "沂公发"}, {"b-xsp", "县行政审批服务局", "沂审批发"},
}

var benchCategories = []string{"政策法规", "规划计划", "办事指南", "财政预决算", "人事信息", "统计数据",
	"重点领域/社会救助", "重点领域/就业创业", "重点领域/教育", "重点领域/医疗卫生", "重点领域/住房保障",
	"重点领域/生态环境", "重点领域/安全生产", "重点领域/食品药品"}

// vocabulary is the seeds' words weighted by frequency.
type vocabulary struct {
	words []string
	cum   []int
}

func loadVocabulary(tb testing.TB, an *analyzer) *vocabulary {
	files, err := filepath.Glob(filepath.Join(seedDir, "*.txt"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("seed texts in %s: %v", seedDir, err)
	}
	counts := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(tb, err)
		for _, seg := range segments(normalize(string(b))) {
			if seg.han {
				for _, w := range an.words(seg.text) {
					counts[w]++
				}
			}
		}
	}
	v := &vocabulary{}
	for w := range counts {
		v.words = append(v.words, w)
	}
	sort.Strings(v.words)
	total := 0
	for _, w := range v.words {
		total += counts[w]
		v.cum = append(v.cum, total)
	}
	return v
}

func (v *vocabulary) pick(r *rand.Rand) string {
	n := r.IntN(v.cum[len(v.cum)-1])
	return v.words[sort.SearchInts(v.cum, n+1)]
}

// body writes 1–3 thousand characters of sentences from the vocabulary,
// with the topic and other policy terms mixed in.
func (v *vocabulary) body(r *rand.Rand, topic string) string {
	var b strings.Builder
	target := 1000 + r.IntN(2000)
	for n := 0; n < target; {
		for range 6 + r.IntN(14) {
			var w string
			switch x := r.IntN(100); {
			case x < 4:
				w = topic
			case x < 8:
				w = policyTerms[r.IntN(len(policyTerms))]
			default:
				w = v.pick(r)
			}
			b.WriteString(w)
			n += len([]rune(w))
		}
		b.WriteString([]string{"，", "。", "；", "。\n"}[r.IntN(4)])
		n++
	}
	return b.String()
}

// benchDoc is one generated document, in insert order.
type benchDoc struct {
	indexNo, code, docNumber, docKey, title, topic, kind, validity, disclosure, withheld, body, state string
	agency, category                                                                                  int64
	published                                                                                         time.Time
}

// generate builds n documents deterministically.
func generate(tb testing.TB, v *vocabulary, n int, agencies []int64, categories []int64, emit func(benchDoc)) {
	r := rand.New(rand.NewPCG(1, 2))
	serial := map[string]int{}
	for i := range n {
		ai := r.IntN(len(benchAgencies))
		topic := policyTerms[r.IntN(len(policyTerms))]
		d := benchDoc{indexNo: fmt.Sprintf("BENCH-%06d", i), code: fmt.Sprintf("k%011d", i), topic: topic,
			title: fmt.Sprintf(titleTemplates[r.IntN(len(titleTemplates))], topic), kind: "policy",
			validity: "有效", disclosure: "主动公开", state: "published", agency: agencies[ai],
			category:  categories[r.IntN(len(categories))],
			published: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(16*365))}
		if x := r.IntN(100); x < 80 {
			key := fmt.Sprintf("%s|%d", benchAgencies[ai].prefix, d.published.Year())
			serial[key]++
			d.docNumber = fmt.Sprintf("%s〔%d〕%d号", benchAgencies[ai].prefix, d.published.Year(), serial[key])
			var err error
			d.docKey, err = DocNumberKey(d.docNumber)
			must(tb, err)
		}
		switch x := r.IntN(100); {
		case x < 10:
			d.validity = "废止"
		case x < 15:
			d.validity = "失效"
		}
		switch x := r.IntN(100); {
		case x < 3:
			d.disclosure, d.withheld = "不予公开", "涉及个人隐私"
		case x < 10:
			d.disclosure = "依申请公开"
		}
		if r.IntN(100) < 5 {
			d.state = "draft"
		}
		if r.IntN(100) < 10 {
			d.kind, d.title = "interpretation", "《"+d.title+"》政策解读"
		}
		d.body = v.body(r, topic)
		emit(d)
	}
}

const insertBenchDocs = `INSERT INTO documents (index_no, code, doc_number, doc_number_key, title, agency_id, category_id,
		topic, kind, published_at, validity, disclosure, withheld_reason, body, state)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
		$8::text[], $9::text[], $10::date[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
	RETURNING id`

// insertBatch writes documents and indexes them in one transaction, as an
// import does.
func insertBatch(ctx context.Context, db *sqlx.DB, s *Store, docs []benchDoc) error {
	cols := make([][]string, 12)
	var agencies, categories []int64
	var dates []string
	for _, d := range docs {
		for i, v := range []string{d.indexNo, d.code, d.docNumber, d.docKey, d.title, d.topic, d.kind, d.validity,
			d.disclosure, d.withheld, d.body, d.state} {
			cols[i] = append(cols[i], v)
		}
		agencies, categories, dates = append(agencies, d.agency), append(categories, d.category), append(dates, d.published.Format(time.DateOnly))
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var ids []int64
	err = tx.SelectContext(ctx, &ids, insertBenchDocs, pq.Array(cols[0]), pq.Array(cols[1]), pq.Array(cols[2]),
		pq.Array(cols[3]), pq.Array(cols[4]), pq.Array(agencies), pq.Array(categories), pq.Array(cols[5]),
		pq.Array(cols[6]), pq.Array(dates), pq.Array(cols[7]), pq.Array(cols[8]), pq.Array(cols[9]),
		pq.Array(cols[10]), pq.Array(cols[11]))
	if err != nil {
		return err
	}
	if err := s.Reindex(ctx, tx, ids); err != nil {
		return err
	}
	return tx.Commit()
}
