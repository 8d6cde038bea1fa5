package netc.compiler.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import netc.runtime.kernels.Unary;
import org.codehaus.janino.ExpressionEvaluator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each scalar function is defined once, in {@link Unary}, in two forms: its value (constant folding, the products'
 * epilogue) and the Java expression the generated kernels inline. Both forms give the same bits, in float and double.
 */
class UnaryDefinitionsTest {
    static final double[] POINTS = {-30, -3.5, -1, -0.25, -0.0, 0, 1e-7, 0.3, 1, 2.5, 17, 88};

    @ParameterizedTest
    @EnumSource(Unary.class)
    void theKernelsFormulaAndTheValueAgree(Unary f) throws Exception {
        ExpressionEvaluator d = evaluator(f, double.class), s = evaluator(f, float.class);
        for (double x : POINTS) {
            if ((f == Unary.LOG || f == Unary.SQRT) && x <= 0) continue;
            assertEquals(f.apply(x), ((Number) d.evaluate(new Object[] {x})).doubleValue(), 0, f + " at " + x + " in double");
            float xf = (float) x;
            assertEquals(f.apply(xf), ((Number) s.evaluate(new Object[] {xf})).floatValue(), 0, f + " at " + xf + " in float");
        }
    }

    private static ExpressionEvaluator evaluator(Unary f, Class<?> type) throws Exception {
        ExpressionEvaluator e = new ExpressionEvaluator();
        e.setParameters(new String[] {"x"}, new Class<?>[] {type});
        e.setExpressionType(type);
        e.cook(f.java(type.getName(), "x"));
        return e;
    }
}
