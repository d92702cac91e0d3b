package generator

// javaRandom is a transcription of java.util.Random: a 48-bit linear
// congruential generator whose outputs match the JDK bit for bit, so Nexmark
// data matches the reference generators that seed one per event.
type javaRandom struct {
	seed int64
}

const (
	javaMultiplier = 0x5DEECE66D
	javaAddend     = 0xB
	javaMask       = (1 << 48) - 1
)

// newJavaRandom returns the generator Java's new Random(seed) would be.
func newJavaRandom(seed int64) javaRandom {
	return javaRandom{seed: (seed ^ javaMultiplier) & javaMask}
}

// setSeed resets r as Java's Random.setSeed does.
func (r *javaRandom) setSeed(seed int64) {
	r.seed = (seed ^ javaMultiplier) & javaMask
}

// next advances the state and returns its top bits (1..32) as Java's
// Random.next does.
func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*javaMultiplier + javaAddend) & javaMask
	return int32(r.seed >> (48 - bits))
}

// nextInt32 is Java's nextInt(): 32 uniformly random bits.
func (r *javaRandom) nextInt32() int32 {
	return r.next(32)
}

// nextInt is Java's nextInt(bound) for bound > 0, uniform in [0, bound).
func (r *javaRandom) nextInt(bound int32) int32 {
	v := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(v)) >> 31)
	}
	for u := v; ; u = r.next(31) {
		v = u % bound
		if u-v+m >= 0 { // the int32 sum overflows for the biased tail
			return v
		}
	}
}

// nextLong is Java's nextLong().
func (r *javaRandom) nextLong() int64 {
	hi := int64(r.next(32))
	return (hi << 32) + int64(r.next(32))
}

// nextDouble is Java's nextDouble(), uniform in [0, 1).
func (r *javaRandom) nextDouble() float64 {
	hi := int64(r.next(26))
	return float64((hi<<27)+int64(r.next(27))) * (1.0 / (1 << 53))
}

// nextBounded is Nexmark's nextLong(random, n): a value in [0, n) for n > 0.
func (r *javaRandom) nextBounded(n int64) int64 {
	if n < 1<<31-1 {
		return int64(r.nextInt(int32(n)))
	}
	v := r.nextLong() % n
	if v < 0 {
		v = -v
	}
	return v
}
