package netc.runtime.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every Vector API kernel is written in: the machine's widest float vector up to 512 bits (16
 * floats where AVX-512 exists, 8 where AVX2 is the widest), or the width that {@code -Dnetc.vector.bits=256|512}
 * forces, so that tests on one machine can run both families of kernels (a width the machine lacks runs correctly
 * but slowly, in Java). The kernels read {@link #F} and {@link #L} as constants, which C2 folds: one body of code per
 * width family, no copy of a kernel per width. Loaded only with the {@code jdk.incubator.vector} module.
 */
final class VectorWidth {
    /** The species of the kernels, or null where the machine's vectors hold fewer than 8 floats. */
    static final VectorSpecies<Float> F = choose(VectorKernels.BITS);
    /** Lanes of a vector of {@link #F}. */
    static final int L = F == null ? 0 : F.length();

    private VectorWidth() {
    }

    /** The species of {@code bits} (256 or 512), or the widest the machine has (at most 512) for 0. */
    private static VectorSpecies<Float> choose(int bits) {
        if (bits == 0) bits = Math.min(512, FloatVector.SPECIES_PREFERRED.vectorBitSize());
        return bits == 512 ? FloatVector.SPECIES_512 : bits == 256 ? FloatVector.SPECIES_256 : null;
    }
}
