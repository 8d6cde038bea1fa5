package netc.spark;

import netc.runtime.UserError;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import scala.collection.Seq;
import scala.collection.mutable.ArraySeq;

/**
 * A feature column's value copied into a model's input buffer: {@code array<float>}, {@code array<double>} or a Spark
 * ML {@code Vector} (dense or sparse). The arrays Spark hands over are read in place, without boxing.
 */
final class Features {
    private Features() {
    }

    /** Copies a value of column {@code col} into {@code dst[off, off + n)}; a wrong length or type is one line. */
    static void copy(Object v, String col, float[] dst, int off, int n) {
        if (v instanceof float[] f) {
            check(f.length, n, col);
            System.arraycopy(f, 0, dst, off, n);
        } else if (v instanceof ArraySeq.ofFloat f) {
            check(f.length(), n, col);
            System.arraycopy(f.array(), 0, dst, off, n);
        } else if (v instanceof ArraySeq.ofDouble d) {
            check(d.length(), n, col);
            double[] a = d.array();
            for (int j = 0; j < n; j++) dst[off + j] = (float) a[j];
        } else if (v instanceof DenseVector d) {
            check(d.size(), n, col);
            double[] a = d.values();
            for (int j = 0; j < n; j++) dst[off + j] = (float) a[j];
        } else if (v instanceof SparseVector s) {
            check(s.size(), n, col);
            java.util.Arrays.fill(dst, off, off + n, 0f);
            int[] ix = s.indices();
            double[] a = s.values();
            for (int j = 0; j < ix.length; j++) dst[off + ix[j]] = (float) a[j];
        } else if (v instanceof scala.collection.immutable.ArraySeq.ofFloat f) {
            check(f.length(), n, col);
            System.arraycopy(f.unsafeArray(), 0, dst, off, n);
        } else if (v instanceof Number x && n == 1) {
            dst[off] = x.floatValue();
        } else if (v instanceof Seq<?> seq) {
            // another array type: numbers one by one
            check(seq.length(), n, col);
            for (int j = 0; j < n; j++) dst[off + j] = ((Number) seq.apply(j)).floatValue();
        } else {
            throw new UserError("column '" + col + "': " + (v == null ? "a null" : "a " + v.getClass().getSimpleName())
                    + " where the model needs an array of " + n + " numbers (array<float>, array<double> or a Vector)");
        }
    }

    private static void check(int have, int want, String col) {
        if (have != want) throw new UserError("column '" + col + "': a row holds " + have + " values, the model's input takes " + want);
    }

    /** A label: an int class index (from int, long, or a whole double). */
    static int label(Object v, String col) {
        if (v instanceof Number x && x.doubleValue() == Math.rint(x.doubleValue()) && Math.abs(x.doubleValue()) < 1 << 30) return x.intValue();
        throw new UserError("column '" + col + "': " + v + " is not a class index");
    }
}
