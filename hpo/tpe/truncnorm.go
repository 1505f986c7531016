package tpe

import "math"

// The truncated normal distribution in log space, after Optuna's
// samplers/_tpe/_truncnorm.py (itself after SciPy): tail-safe log CDF, log
// Gaussian mass of an interval, and the inverse CDF by Newton's method on
// log Φ. All functions are pure.

var (
	normLogC  = 0.5 * math.Log(2*math.Pi)
	logisticC = math.Sqrt(3) / math.Pi
)

// ndtr is the standard normal CDF Φ(a), accurate in both tails.
func ndtr(a float64) float64 {
	x := a / math.Sqrt2
	switch {
	case x < -1/math.Sqrt2:
		return 0.5 * math.Erfc(-x)
	case x < 1/math.Sqrt2:
		return 0.5 + 0.5*math.Erf(x)
	}
	return 1 - 0.5*math.Erfc(x)
}

// logNdtr is log Φ(a), using the asymptotic series below -20 where Φ
// underflows.
func logNdtr(a float64) float64 {
	switch {
	case a > 6:
		return -ndtr(-a)
	case a > -20:
		return math.Log(ndtr(a))
	}
	logLHS := -0.5*a*a - math.Log(-a) - normLogC
	last, rhs, num, denom := 0.0, 1.0, 1.0, 1.0
	cons, sign := 1/(a*a), 1.0
	for i := 1; i < 100 && math.Abs(last-rhs) > 0x1p-52; i++ {
		last = rhs
		sign = -sign
		denom *= cons
		num *= float64(2*i - 1)
		rhs += sign * num * denom
	}
	return logLHS + math.Log(rhs)
}

// logDiff is log(exp(p) - exp(q)) for p >= q.
func logDiff(p, q float64) float64 { return p + math.Log1p(-math.Exp(q-p)) }

// logAddExp is log(exp(p) + exp(q)).
func logAddExp(p, q float64) float64 {
	if math.IsInf(p, -1) {
		return q
	}
	if math.IsInf(q, -1) {
		return p
	}
	m := math.Max(p, q)
	return m + math.Log1p(math.Exp(-math.Abs(p-q)))
}

// logGaussMass is log(Φ(b) - Φ(a)) for a <= b, computed in the left tail
// (mirrored when the interval lies right of 0) to keep precision.
func logGaussMass(a, b float64) float64 {
	switch {
	case b <= 0:
		return logDiff(logNdtr(b), logNdtr(a))
	case a > 0:
		return logDiff(logNdtr(-a), logNdtr(-b))
	}
	return math.Log1p(-ndtr(a) - ndtr(-b))
}

// ndtriExp returns x with log Φ(x) = y (y <= 0), by Newton's method from
// Optuna's initial guesses (tail asymptote or logistic approximation).
func ndtriExp(y float64) float64 {
	flipped := y > -1e-2
	z := y
	if flipped {
		z = math.Log(-math.Expm1(y))
	}
	var x float64
	if z < -5 {
		x = -math.Sqrt(-2 * (z + normLogC))
	} else {
		x = -logisticC * math.Log(math.Expm1(-z))
	}
	for range 100 {
		lx := logNdtr(x)
		lpdf := -0.5*x*x - normLogC
		dx := (lx - z) * math.Exp(lx-lpdf)
		x -= dx
		if math.Abs(dx) < 1e-8*math.Abs(x) {
			break
		}
	}
	if flipped {
		x = -x
	}
	return x
}

// truncnormPPF is the inverse CDF at q of the standard normal truncated to
// [a, b], clipped to [a, b] against rounding.
func truncnormPPF(q, a, b float64) float64 {
	switch {
	case a == b:
		return a
	case q <= 0:
		return a
	case q >= 1:
		return b
	}
	logMass := logGaussMass(a, b)
	var x float64
	if a < 0 {
		x = ndtriExp(logAddExp(logNdtr(a), math.Log(q)+logMass))
	} else {
		x = -ndtriExp(logAddExp(logNdtr(-b), math.Log1p(-q)+logMass))
	}
	return math.Min(math.Max(x, a), b)
}

// truncnormLogPDF is the log density at x of N(mu, sigma²) truncated to
// [low, high]: -∞ outside.
func truncnormLogPDF(x, mu, sigma, low, high float64) float64 {
	if x < low || x > high {
		return math.Inf(-1)
	}
	z := (x - mu) / sigma
	return -0.5*z*z - normLogC - logGaussMass((low-mu)/sigma, (high-mu)/sigma) - math.Log(sigma)
}

// logTruncMass is logGaussMass(a, b) for a kernel's truncation to its
// domain. A kernel whose bounds both lie 9 widths or more away has mass
// 1 - ε with ε < 3e-19, below float64 resolution around 1, so its log mass
// is 0 without evaluating erfc twice.
func logTruncMass(a, b float64) float64 {
	if a <= -9 && b >= 9 {
		return 0
	}
	return logGaussMass(a, b)
}

// logIntervalMass is logGaussMass(a, b) for the narrow intervals of a
// discrete dimension. When the half-width h = (b-a)/2 is below 1e-3 and
// u = h·m (m the midpoint) below 0.1 in magnitude, it uses the expansion
//
//	log(Φ(b)-Φ(a)) = log φ(m) + log(2h) + log(sinh u / u) + log(1 - h² R(u)/2) + O(h⁴/40)
//
// with R(u) = 1 + 2/u² - 2 coth(u)/u, both series truncated past u⁶ and u⁴:
// relative error below 1e-13, at the cost of a few multiplications instead
// of two erfc and three logarithms. It matters for wide integer ranges
// (a seed in 1..65535), where every kernel is distinct.
func logIntervalMass(a, b float64) float64 {
	h := 0.5 * (b - a)
	m := 0.5 * (a + b)
	u := h * m
	if h >= 1e-3 || u <= -0.1 || u >= 0.1 {
		return logGaussMass(a, b)
	}
	u2 := u * u
	logSinhc := u2 * (1.0/6 - u2*(1.0/180-u2/2835))
	r := 1.0/3 + u2*(2.0/45-u2*4.0/945)
	c := 0.5 * h * h * r
	return -0.5*m*m - normLogC + math.Log(2*h) + logSinhc - c - 0.5*c*c
}
