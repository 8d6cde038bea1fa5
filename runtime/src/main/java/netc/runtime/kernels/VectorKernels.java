package netc.runtime.kernels;

/**
 * Which kernels run: the Vector API ones ({@link VectorGemm}, {@link VectorRows}, {@link VectorMath}, {@link VectorNorm}) when the JVM has the
 * {@code jdk.incubator.vector} module in its boot layer (the {@code netc} launcher adds it) and {@code -Dnetc.vector}
 * is not {@code false}, the plain loops otherwise. The Vector API classes are loaded by name on first use, so nothing
 * else in the runtime refers to the incubator API and an application without the flag runs the loops.
 * {@code -Dnetc.vector.bits=256|512} forces the vectors' width (see {@link VectorWidth}).
 */
final class VectorKernels {
    /** Whether the Vector API kernels may run: the module is in the boot layer and -Dnetc.vector is not false. */
    static final boolean WANTED = !"false".equalsIgnoreCase(System.getProperty("netc.vector", "true"))
            && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    /** The width forced by -Dnetc.vector.bits (256 or 512), or 0 for the machine's own. */
    static final int BITS = forcedBits(System.getProperty("netc.vector.bits"));
    /** Whether the Vector API kernels are used; tests turn them off to check the loops. */
    static volatile boolean use = WANTED;

    private VectorKernels() {
    }

    /** The product kernel, loaded on first use. */
    private static final class ProductHolder {
        static final FloatKernel KERNEL = WANTED ? load("netc.runtime.kernels.VectorGemm", FloatKernel.class) : null;
    }

    /** The row kernel, loaded on first use (apart from the product's, whose loading warms it up). */
    private static final class RowsHolder {
        static final RowKernel ROWS = WANTED ? load("netc.runtime.kernels.VectorRows", RowKernel.class) : null;
    }

    /** The elementwise functions, loaded on first use. */
    private static final class MathHolder {
        static final MapKernel MATH = WANTED ? load("netc.runtime.kernels.VectorMath", MapKernel.class) : null;
    }

    /** The layer-norm rows, loaded on first use. */
    private static final class NormHolder {
        static final NormKernel NORM = WANTED ? load("netc.runtime.kernels.VectorNorm", NormKernel.class) : null;
    }

    /** The Vector API product kernel, or null when it is absent or turned off. */
    static FloatKernel product() {
        return use ? ProductHolder.KERNEL : null;
    }

    /** The Vector API row kernel, or null when it is absent or turned off. */
    static RowKernel rows() {
        return use ? RowsHolder.ROWS : null;
    }

    /** The Vector API elementwise functions, or null when they are absent or turned off. */
    static MapKernel math() {
        return use ? MathHolder.MATH : null;
    }

    /** The Vector API layer-norm rows, or null when they are absent or turned off. */
    static NormKernel norm() {
        return use ? NormHolder.NORM : null;
    }

    /** Whether the product kernel is loaded (loading it if it can be), whether or not it is turned off. */
    static boolean productLoaded() {
        return ProductHolder.KERNEL != null;
    }

    private static int forcedBits(String value) {
        if (value == null || value.isBlank()) return 0;
        if (value.equals("256") || value.equals("512")) return Integer.parseInt(value);
        System.err.println("netc: -Dnetc.vector.bits must be 256 or 512, not '" + value + "': the machine's width is used");
        return 0;
    }

    /** An instance of a Vector API class (which has a static {@code supported()}), or null where it cannot run. */
    private static <T> T load(String className, Class<T> type) {
        try {
            Class<?> k = Class.forName(className);
            if (!(boolean) k.getDeclaredMethod("supported").invoke(null)) return null;
            return type.cast(k.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
