package tickets_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/tickets"
)

func TestLatLngValidate(t *testing.T) {
	tests := []struct {
		name string
		p    tickets.LatLng
		want string // in the message; "" for valid
	}{
		{"Beijing", tickets.LatLng{Lat: 39.9042, Lng: 116.4074}, ""},
		{"Sanya", tickets.LatLng{Lat: 18.25, Lng: 109.5}, ""},
		{"Mohe", tickets.LatLng{Lat: 53.4, Lng: 122.5}, ""},
		{"Kashgar", tickets.LatLng{Lat: 39.47, Lng: 75.99}, ""},
		{"null island", tickets.LatLng{}, "0, 0"},
		{"swapped", tickets.LatLng{Lat: 116.4074, Lng: 39.9042}, "填反"},
		{"London", tickets.LatLng{Lat: 51.5, Lng: -0.12}, "不在中国境内"},
		{"north of the box", tickets.LatLng{Lat: 60, Lng: 120}, "纬度应在 3.8 至 53.6 之间"},
		{"east of the box", tickets.LatLng{Lat: 40, Lng: 140}, "经度应在 73.5 至 135.1 之间"},
		{"not a number", tickets.LatLng{Lat: math.NaN(), Lng: 116}, "数字"},
		{"infinite", tickets.LatLng{Lat: 39, Lng: math.Inf(1)}, "数字"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			wantCode(t, err, apperr.EInvalid)
			assert.Contains(t, apperr.Message(err), tc.want)
		})
	}
}

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b tickets.LatLng
		want float64 // metres
		tol  float64
	}{
		{"same point", tiananmen, tiananmen, 0, 0},
		{"0.001° of latitude", tickets.LatLng{Lat: 39, Lng: 116}, tickets.LatLng{Lat: 39.001, Lng: 116}, 111.2, 0.1},
		{"Beijing to Shanghai", tickets.LatLng{Lat: 39.9042, Lng: 116.4074}, tickets.LatLng{Lat: 31.2304, Lng: 121.4737}, 1067e3, 2e3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.want, tickets.Distance(tc.a, tc.b), tc.tol)
			assert.InDelta(t, tickets.Distance(tc.a, tc.b), tickets.Distance(tc.b, tc.a), 1e-9, "symmetric")
		})
	}
}

func TestCoordinatesStored(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		s, _ := e.MustOpen(t)
		ctx := context.Background()
		_, err := s.CreateTicket(ctx, report("sub", tickets.LatLng{}))
		wantCode(t, err, apperr.EInvalid)
		_, err = s.CreateTicket(ctx, report("sub", tickets.LatLng{Lat: 48.85, Lng: 2.35}))
		wantCode(t, err, apperr.EInvalid)
		p := tickets.LatLng{Lat: 22.543096, Lng: 114.057865}
		tk := mustFile(t, s, report("sub", p))
		got, err := s.FindTicketByNumber(ctx, admin, tk.Number)
		require.NoError(t, err)
		require.NotNil(t, got.Coords)
		assert.Equal(t, p, *got.Coords, "coordinates read back exactly")
		assert.Contains(t, got.Describe("区城管局"), "纬度 22.54310，经度 114.05787", "Describe")
		plain := MustCreate(t, s, "sub", "井盖丢了")
		got, _ = s.FindTicketByNumber(ctx, admin, plain.Number)
		assert.Nil(t, got.Coords, "a ticket without coordinates")
	})
}
