package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/stations"
)

const stationsUsage = `用法：
  partybot stations import 文件 [--crs gcj02|wgs84|bd09]
      导入驿站名单（CSV 或 .xlsx），替换原有的全部驿站；报告导入条数和跳过的行
  partybot stations near 纬度 经度 [--service 服务] [-n 3] [--open] [--json]
      查找离该位置（WGS-84）最近的驿站；--open 只列正在开放的
  partybot stations list [--json]
      按区域列出全部驿站

  坐标系：从高德、腾讯地图取的坐标用 gcj02；手机 GPS、奥维、Telegram 位置用 wgs84；
  百度地图用 bd09。文件已在表头注明（如“经度（GCJ-02）”）或有“坐标系”一列时可不写 --crs。`

// runStations is "partybot stations": the rest stations for couriers and
// riders, imported from a deployer's list and searched by distance.
func (m *Main) runStations(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("%s", stationsUsage)
	}
	switch args[0] {
	case "import":
		return m.runStationsImport(ctx, args[1:])
	case "near":
		return m.runStationsNear(ctx, args[1:])
	case "list":
		return m.runStationsList(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprintln(m.Stdout, stationsUsage)
		return nil
	}
	return usagef("未知的 stations 子命令 %q\n\n%s", args[0], stationsUsage)
}

// openStations opens the station store (stations.db in the data
// directory, or the shared PostgreSQL database); Close closes it.
func (m *Main) openStations(ctx context.Context) (*stations.Store, error) {
	if err := m.loadConfig(); err != nil {
		return nil, err
	}
	dsn, err := m.Config.storeDSN("stations.db")
	if err != nil {
		return nil, err
	}
	s, err := stations.Open(ctx, dsn)
	if err != nil {
		return nil, stationError(err)
	}
	m.onClose(s.Close)
	return s, nil
}

// stationError turns a stations error into what main prints after
// "错误：": the message of a coded error, the detail of an internal one.
func stationError(err error) error {
	if err == nil {
		return nil
	}
	if apperr.Code(err) != apperr.EInternal {
		return errors.New(apperr.Message(err))
	}
	return fmt.Errorf("驿站库操作失败：%w", err)
}

// runStationsImport is "stations import FILE": it replaces the stations
// with the file's and prints the report.
func (m *Main) runStationsImport(ctx context.Context, args []string) error {
	fs := newFlagSet("stations import")
	crs := fs.String("crs", "", "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagError(err, stationsUsage)
	}
	if len(pos) != 1 {
		return usagef("%s", stationsUsage)
	}
	var opt stations.ReadOptions
	if *crs != "" {
		if opt.CRS, err = stations.ParseCRS(*crs); err != nil {
			return usagef("%s\n\n%s", apperr.Message(err), stationsUsage)
		}
	}
	s, err := m.openStations(ctx)
	if err != nil {
		return err
	}
	before := s.Index().Len()
	rep, err := s.Import(ctx, pos[0], opt)
	if err != nil {
		printNotes(m.Stdout, "跳过", rep.Skipped)
		return stationError(err)
	}
	printReport(m.Stdout, rep, before)
	return nil
}

// printReport prints what an import did.
func printReport(w io.Writer, rep stations.Report, before int) {
	crs := "各行自注"
	if rep.CRS != "" {
		crs = rep.CRS.String()
	}
	fmt.Fprintf(w, "已导入 %d 个驿站（坐标系 %s，已统一存为 WGS-84），替换了原有的 %d 个。\n", rep.Imported, crs, before)
	printNotes(w, "跳过", rep.Skipped)
	printNotes(w, "请核对", rep.Warnings)
}

// printNotes prints notes under a heading, each on its own line.
func printNotes(w io.Writer, heading string, notes []stations.Note) {
	if len(notes) == 0 {
		return
	}
	fmt.Fprintf(w, "%s %d 处：\n", heading, len(notes))
	for _, n := range notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
}

// stationJSON is a station as --json prints it.
type stationJSON struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	DistanceM *int64   `json:"distance_m,omitempty"` // near only
	Address   string   `json:"address"`
	Area      string   `json:"area"`
	Lat       float64  `json:"lat"` // WGS-84
	Lng       float64  `json:"lng"`
	Services  []string `json:"services"`
	Hours     string   `json:"hours"`
	Phone     string   `json:"phone"`
	Open      *bool    `json:"open"` // now; null when the hours are not understood
}

// toJSON is s as printed at time now.
func toJSON(s stations.Station, now time.Time) stationJSON {
	j := stationJSON{ID: s.ID, Name: s.Name, Address: s.Address, Area: s.Area,
		Lat: round6(s.Lat), Lng: round6(s.Lng), Services: s.Services, Hours: s.Hours, Phone: s.Phone}
	if j.Services == nil {
		j.Services = []string{}
	}
	if open, known := s.OpenAt(now); known {
		j.Open = &open
	}
	return j
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// runStationsNear is "stations near LAT LNG": the nearest stations,
// nearest first.
func (m *Main) runStationsNear(ctx context.Context, args []string) error {
	fs := newFlagSet("stations near")
	service := fs.String("service", "", "")
	n := fs.Int("n", 3, "")
	openNow := fs.Bool("open", false, "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagError(err, stationsUsage)
	}
	lat, lng, err := parseLatLng(pos)
	if err != nil {
		return err
	}
	s, err := m.openStations(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	f := stations.Filter{Service: *service}
	if *openNow {
		f.OpenAt = now
	}
	rs, err := s.Near(lat, lng, *n, f)
	if err != nil {
		return stationError(err)
	}
	if *asJSON {
		return writeJSONLine(m.Stdout, nearJSON(rs, now))
	}
	printNear(m.Stdout, rs, now)
	return nil
}

// parseLatLng reads "纬度 经度", or "纬度,经度" as one argument.
func parseLatLng(pos []string) (lat, lng float64, err error) {
	if len(pos) == 1 {
		pos = strings.FieldsFunc(pos[0], func(r rune) bool { return r == ',' || r == '，' })
	}
	if len(pos) != 2 {
		return 0, 0, usagef("%s", stationsUsage)
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(pos[0]), 64)
	lng, err2 := strconv.ParseFloat(strings.TrimSpace(pos[1]), 64)
	if err1 != nil || err2 != nil {
		return 0, 0, usagef("纬度和经度应为十进制度数，如 31.2304 121.4737\n\n%s", stationsUsage)
	}
	return lat, lng, nil
}

// nearJSON is the results as --json prints them.
func nearJSON(rs []stations.Result, now time.Time) []stationJSON {
	out := make([]stationJSON, len(rs))
	for i, r := range rs {
		out[i] = toJSON(r.Station, now)
		d := int64(math.Round(r.DistanceM))
		out[i].DistanceM = &d
	}
	return out
}

// printNear prints the results for a person.
func printNear(w io.Writer, rs []stations.Result, now time.Time) {
	if len(rs) == 0 {
		fmt.Fprintln(w, "附近没有符合条件的驿站。")
		return
	}
	for i, r := range rs {
		fmt.Fprintf(w, "%d. %s  %s%s\n", i+1, r.Name, stations.FormatDistance(r.DistanceM), openLabel(r.Station, now))
		printDetails(w, "   ", r.Station)
	}
}

// printDetails prints a station's address, hours, phone and services.
func printDetails(w io.Writer, indent string, s stations.Station) {
	var parts []string
	for _, p := range []string{s.Address, s.Hours, s.Phone} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "%s%s\n", indent, strings.Join(parts, " · "))
	}
	if len(s.Services) > 0 {
		fmt.Fprintf(w, "%s服务：%s\n", indent, strings.Join(s.Services, "、"))
	}
}

// openLabel says whether s is open now, "" when its hours do not say.
func openLabel(s stations.Station, now time.Time) string {
	open, known := s.OpenAt(now)
	switch {
	case !known:
		return ""
	case open:
		return "  正在开放"
	}
	return "  现在未开放"
}

// runStationsList is "stations list": every station, by area.
func (m *Main) runStationsList(ctx context.Context, args []string) error {
	fs := newFlagSet("stations list")
	asJSON := fs.Bool("json", false, "")
	if err := fs.Parse(args); err != nil {
		return flagError(err, stationsUsage)
	}
	if fs.NArg() > 0 {
		return usagef("%s", stationsUsage)
	}
	s, err := m.openStations(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	if *asJSON {
		out := []stationJSON{}
		for _, st := range s.Index().All() {
			out = append(out, toJSON(st, now))
		}
		return writeJSONLine(m.Stdout, out)
	}
	printList(m.Stdout, s)
	return nil
}

// printList prints the stations by area, and where they came from.
func printList(w io.Writer, s *stations.Store) {
	imp, ok := s.LastImport()
	if !ok {
		fmt.Fprintln(w, "还没有导入驿站名单。请用 partybot stations import 文件 导入。")
		return
	}
	for _, a := range s.ByArea() {
		fmt.Fprintf(w, "%s（%d）\n", a.Name, len(a.Stations))
		for _, st := range a.Stations {
			fmt.Fprintf(w, "  %s\n", st.Name)
			printDetails(w, "    ", st)
		}
	}
	fmt.Fprintf(w, "共 %d 个驿站；%s 导入自 %s。\n", s.Index().Len(), imp.At.In(chinaZone).Format("2006-01-02 15:04"), imp.Source)
}

// chinaZone is China Standard Time, for the times the CLI prints.
var chinaZone = time.FixedZone("CST", 8*60*60)
