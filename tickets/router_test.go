package tickets_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/glossary"
	"partybot/tickets"
)

func evaluate(tb testing.TB, r *tickets.Router, path string) tickets.RoutingReport {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	samples, err := tickets.ReadRoutingSamples(f)
	if err != nil {
		tb.Fatal(err)
	}
	rep, err := tickets.EvaluateRouting(context.Background(), r.Route, samples)
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range rep.Misrouted {
		tb.Logf("misrouted %s: want %s, got %s (%.2f): %s", m.ID, m.Want, m.Got, m.Confidence, m.Text)
	}
	return rep
}

// TestRoutingAccuracy checks routing on demands written apart from the
// keyword data (testdata/demands-extra.jsonl) and, when the repository sits
// beside ../shared, on the shared development sample.
func TestRoutingAccuracy(t *testing.T) {
	r := tickets.DefaultRouter()
	tests := []struct {
		file string
		min  float64
	}{
		{"testdata/demands-extra.jsonl", 0.85},
		{"../../shared/eval/demands-dev.jsonl", 0.9},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			if _, err := os.Stat(tc.file); os.IsNotExist(err) && tc.file != tests[0].file {
				t.Skipf("%s not present", tc.file)
			}
			rep := evaluate(t, r, tc.file)
			t.Logf("accuracy %.3f on %d demands", rep.Accuracy, rep.N)
			if rep.Accuracy < tc.min {
				t.Fatalf("accuracy %.3f, want ≥ %.2f", rep.Accuracy, tc.min)
			}
		})
	}
}

// TestRoutingSubjectDecides: who asks (a courier, a rider) is context; what
// the demand is about decides.
func TestRoutingSubjectDecides(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"快递员被拖欠了两个月工资", "renshe"},
		{"希望给外卖骑手安排一次免费体检", "weijian"},
		{"建议在商圈增设暖“新”驿站", "shegong"},
		{"建议在商圈增设暖\"新\"驿站", "shegong"},
		{"工会驿站的饮水机坏了", "gonghui"},
		{"暖新驿站的饮水机坏了", "shegong"},
		{"骑手想加入工会", "gonghui"},
		{"骑手想申请入党", "zuzhi"},
		{"外卖平台公司想成立党支部", "shegong"},
		{"网约车司机想考营运证", "jiaotong"},
		{"网约车司机送客时被打，想咨询律师", "sifa"},
		{"驿站里有电动车在充电，插座冒火花", "yingji"},
		{"楼道堆满纸箱，消防通道被堵", "yingji"},
		{"快递员的孩子上小学怎么报名", "jiaoyu"},
		{"协会的年检报告怎么交", "minzheng"},
		{"协会想建立党组织", "shegong"},
	}
	r := tickets.DefaultRouter()
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got, err := r.Route(context.Background(), tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if got.Department != tc.want {
				t.Fatalf("routed to %s (%.2f, %v), want %s", got.Department, got.Confidence, got.Candidates, tc.want)
			}
			if got.ManualDispatch || got.Confidence < tickets.DefaultThreshold || got.Confidence > 1 {
				t.Fatalf("confidence %.2f manual=%v", got.Confidence, got.ManualDispatch)
			}
		})
	}
}

func TestRoutingFallback(t *testing.T) {
	r := tickets.DefaultRouter()
	for _, text := range []string{"", "   ", "你好", "请问一下", "12345", "hello world"} {
		got, err := r.Route(context.Background(), text)
		if err != nil {
			t.Fatal(err)
		}
		if got.Department != tickets.FallbackDepartment || !got.ManualDispatch {
			t.Errorf("%q: %s manual=%v confidence=%.2f", text, got.Department, got.ManualDispatch, got.Confidence)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Route(ctx, "井盖丢了"); err == nil {
		t.Error("Route with a cancelled context: no error")
	}
}

// TestRouterConfigOverride: a deployer's keywords and a new department take
// effect.
func TestRouterConfigOverride(t *testing.T) {
	ds, err := tickets.MergeDepartments(tickets.DefaultDepartments(), []tickets.Department{
		{Key: "renshe", Topics: []tickets.Topic{{Category: "本地", Strong: []string{"讨说法"}}}},
		{Key: "shuiwu", Name: "区水务局", Scope: "供水、排水、河道", ResponseHours: 12, ResolveHours: 72, UrgentResponseHours: 1, UrgentResolveHours: 12,
			Topics: []tickets.Topic{{Category: "供水", Strong: []string{"停水", "自来水", "水压低"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := tickets.NewRouter(ds)
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{"我们找老板讨说法": "renshe", "小区又停水了，自来水发黄": "shuiwu"} {
		got, _ := r.Route(context.Background(), text)
		if got.Department != want {
			t.Errorf("%q: %s, want %s", text, got.Department, want)
		}
	}
}

// TestGlossaryExpansion: a glossary variant counts for the department whose
// keyword its term is, whatever quotes, widths or hidden characters it is
// written with, and an empty glossary turns that off.
func TestGlossaryExpansion(t *testing.T) {
	ds := []tickets.Department{
		{Key: "shegong", Name: "社工部", ResponseHours: 1, ResolveHours: 2, UrgentResponseHours: 1, UrgentResolveHours: 2},
		{Key: "weijian", Name: "卫健局", ResponseHours: 1, ResolveHours: 2, UrgentResponseHours: 1, UrgentResolveHours: 2,
			Topics: []tickets.Topic{{Category: "体检", Strong: []string{"体检"}}}},
	}
	g, err := glossary.New([]glossary.Group{{Term: "体检", Variants: []string{"查个身体", "ＣＴ检查"}}})
	require.NoError(t, err)
	with, err := tickets.NewRouter(ds, tickets.WithGlossary(g))
	require.NoError(t, err)
	without, err := tickets.NewRouter(ds, tickets.WithGlossary(nil))
	require.NoError(t, err)
	tests := []struct {
		text string
		with string // department with the glossary; without it, manual dispatch
	}{
		{"想去查个身体", "weijian"},
		{"想去“查个身体”", "weijian"},
		{"想去查个\u200b身体", "weijian"},
		{"想去 查个 身体", "weijian"},
		{"想做个ct检查", "weijian"},
		{"想去查个，身体", "shegong"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got, err := with.Route(context.Background(), tc.text)
			require.NoError(t, err)
			assert.Equal(t, tc.with, got.Department, "with glossary: %+v", got)
			got, err = without.Route(context.Background(), tc.text)
			require.NoError(t, err)
			assert.Equal(t, "shegong", got.Department, "without glossary: %+v", got)
			assert.True(t, got.ManualDispatch, "without glossary: %+v", got)
		})
	}
}

// TestRouterNormalisesLikeGlossary: writings of a demand that the glossary
// holds equal (quotes, widths, spaces, hidden characters) route alike, so
// routing and retrieval cannot disagree on whether a term occurs.
func TestRouterNormalisesLikeGlossary(t *testing.T) {
	r := tickets.DefaultRouter()
	const text = "暖“新”驿站里的饮水机坏了，ＷＩＦＩ也连不上"
	want, err := r.Route(context.Background(), text)
	require.NoError(t, err)
	require.Equal(t, "shegong", want.Department)
	for _, alt := range []string{
		"暖新驿站里的饮水机坏了，wifi也连不上",
		"暖\"新\"驿站里的饮水机坏了，WiFi也连不上",
		"暖「新」驿站里的饮水机坏了，ＷＩＦＩ也连不上",
		"暖\u200b新驿站里的饮水机坏了，ＷＩＦＩ也连不上",
		"暖 新 驿站里的饮水机坏了，ＷＩＦＩ 也连不上",
	} {
		require.Equal(t, glossary.Normalize(text), glossary.Normalize(alt))
		got, err := r.Route(context.Background(), alt)
		require.NoError(t, err)
		assert.Equal(t, want, got, "%q routes unlike %q", alt, text)
	}
}

func TestDefaultDepartments(t *testing.T) {
	ds := tickets.DefaultDepartments()
	var keys []string
	for _, d := range ds {
		keys = append(keys, d.Key)
		if d.Scope == "" || len(d.Topics) == 0 {
			t.Errorf("%s: no scope or topics", d.Key)
		}
	}
	want := []string{"shegong", "zuzhi", "minzheng", "renshe", "gonghui", "sifa", "weijian", "jiaoyu", "zhujian", "yingji", "chengguan", "jiaotong", "shichang"}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	// a fresh copy every call
	ds[0].Name = "changed"
	if tickets.DefaultDepartments()[0].Name == "changed" {
		t.Fatal("DefaultDepartments shares its slice")
	}
}

func TestMergeDepartments(t *testing.T) {
	base := tickets.DefaultDepartments()
	tests := []struct {
		name      string
		overrides []tickets.Department
		code      string
		check     func(t *testing.T, ds []tickets.Department)
	}{
		{"chat id, staff and deadline", []tickets.Department{{Key: "renshe", ChatID: -100123, Staff: []string{"7"}, ResponseHours: 8}}, "",
			func(t *testing.T, ds []tickets.Department) {
				d := ds[slices.IndexFunc(ds, func(d tickets.Department) bool { return d.Key == "renshe" })]
				if d.ChatID != -100123 || !slices.Equal(d.Staff, []string{"7"}) || d.ResponseHours != 8 || d.Name != "区人社局" || d.ResolveHours != 120 {
					t.Fatalf("merged: %+v", d)
				}
			}},
		{"new department needs a name", []tickets.Department{{Key: "shuiwu", ResponseHours: 1, ResolveHours: 2, UrgentResponseHours: 1, UrgentResolveHours: 2}}, apperr.EInvalid, nil},
		{"new department needs deadlines", []tickets.Department{{Key: "shuiwu", Name: "区水务局"}}, apperr.EInvalid, nil},
		{"bad key", []tickets.Department{{Key: "水务", Name: "区水务局"}}, apperr.EInvalid, nil},
		{"response longer than resolution", []tickets.Department{{Key: "renshe", ResponseHours: 500}}, apperr.EInvalid, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := tickets.MergeDepartments(base, tc.overrides)
			wantCode(t, err, tc.code)
			if tc.check != nil {
				tc.check(t, ds)
			}
		})
	}
	if base[3].ChatID != 0 {
		t.Fatal("MergeDepartments modified its input")
	}
	if _, err := tickets.ParseDepartments([]byte("- key: [")); apperr.Code(err) != apperr.EInvalid {
		t.Fatalf("malformed YAML: %v", err)
	}
}

func FuzzRoute(f *testing.F) {
	for _, s := range []string{"老板拖欠我们快递员三个月工资了，怎么办？", "", "暖“新”驿站", "ＡＢＣ１２３", "\xff", "在驿站门口"} {
		f.Add(s)
	}
	r := tickets.DefaultRouter()
	f.Fuzz(func(t *testing.T, text string) {
		got, err := r.Route(context.Background(), text)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := slices.BinarySearch([]string{"chengguan", "gonghui", "jiaotong", "jiaoyu", "minzheng", "renshe", "shegong", "shichang", "sifa", "weijian", "yingji", "zhujian", "zuzhi"}, got.Department); !ok {
			t.Fatalf("department %q", got.Department)
		}
		if got.Confidence < 0 || got.Confidence > 1 {
			t.Fatalf("confidence %v", got.Confidence)
		}
		d := r.Extract(text)
		if d.Department != got.Department || (d.Urgency != tickets.UrgencyNormal && d.Urgency != tickets.UrgencyUrgent) {
			t.Fatalf("extract %+v vs route %+v", d, got)
		}
	})
}

func BenchmarkRoute(b *testing.B) {
	r := tickets.DefaultRouter()
	ctx := context.Background()
	const text = "我住在阳光小区3号楼，楼道里好多电动车推进来充电，物业也不管，太危险了"
	for b.Loop() {
		if _, err := r.Route(ctx, text); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseDepartments(f *testing.F) {
	f.Add([]byte("- key: x\n  name: X\n"))
	f.Add([]byte("- key: shegong\n  name: 社工部\n  response_hours: 1\n  resolve_hours: 2\n  urgent_response_hours: 1\n  urgent_resolve_hours: 2\n  topics: [{category: a, strong: [驿站]}]\n"))
	f.Add([]byte("["))
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := tickets.ParseDepartments(data)
		if err != nil {
			if apperr.Code(err) != apperr.EInvalid {
				t.Fatalf("code %s", apperr.Code(err))
			}
			return
		}
		if _, err := tickets.NewRouter(ds, tickets.WithGlossary(nil)); err != nil {
			t.Fatalf("valid departments, no router: %v", err)
		}
	})
}
