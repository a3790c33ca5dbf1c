package repgeo_test

import (
	"fmt"
	"math"

	"github.com/repgeo/repgeo/repgeo"
)

func ExampleDirectionAngle() {
	cka, pts := ckaPoints(pathReps())
	// Two paths through the same inputs: the network's, and a shortcut from
	// its input straight to its last layer.
	net := pts
	shortcut := []repgeo.Point{pts[0], pts[3]}
	depth, err := repgeo.MatchDepth(len(net), len(shortcut))
	if err != nil {
		panic(err)
	}
	for i := range net {
		a, err := repgeo.DirectionAngle(cka, net, i, shortcut, depth[i])
		if err != nil {
			panic(err)
		}
		fmt.Printf("layer %d against the shortcut's point %d: %.4f rad\n", i, depth[i], a)
	}
	pm, err := repgeo.MeasurePath(cka, net)
	if err != nil {
		panic(err)
	}
	fmt.Printf("cumulative lengths: %.4f\n", pm.CumulativeLengths())
	// Layer 2 steps along the geodesic to layer 3, so it heads the way the
	// network arrives at layer 3.
	// Output:
	// layer 0 against the shortcut's point 0: 1.1925 rad
	// layer 1 against the shortcut's point 0: 1.0185 rad
	// layer 2 against the shortcut's point 1: 0.7289 rad
	// layer 3 against the shortcut's point 1: 0.7289 rad
	// cumulative lengths: [0.0000 0.3525 0.6943 1.0633]
}

func ExampleMeasurePathDistances() {
	cka, pts := ckaPoints(pathReps())
	// The distances between all points, computed once (for an embedding,
	// say), also give the path's steps.
	d, err := repgeo.PairwisePoints(cka, pts, nil)
	if err != nil {
		panic(err)
	}
	pm, err := repgeo.MeasurePathDistances(cka, pts, d)
	if err != nil {
		panic(err)
	}
	again, err := repgeo.MeasurePath(cka, pts)
	if err != nil {
		panic(err)
	}
	fmt.Printf("length %.4f, tortuosity %.4f\n", pm.TotalLength, pm.Tortuosity)
	fmt.Printf("the same as MeasurePath: %v\n", math.Abs(pm.TotalLength-again.TotalLength) < 1e-12)
	// Output:
	// length 1.0633, tortuosity 1.7917
	// the same as MeasurePath: true
}
