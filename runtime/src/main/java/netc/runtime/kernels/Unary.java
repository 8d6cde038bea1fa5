package netc.runtime.kernels;

import java.util.Locale;

/**
 * The scalar functions of one argument, each defined once: its value (in double precision, as every kernel computes
 * it), and the Java expression that generated kernels inline for it. The compiler's constant folding computes with
 * {@link #apply(double)}, its elementwise kernels are written with {@link #java}, and the epilogue of the matrix
 * products and convolutions applies {@link #apply(float)} to each value it stores; a test checks that the two forms
 * agree. An activation that can run in that epilogue says so ({@link #epilogue()}).
 */
public enum Unary {
    /** x: a product or convolution without an activation. */
    IDENTITY(true) {
        @Override
        public double apply(double x) {
            return x;
        }

        @Override
        public String java(String t, String x) {
            return x;
        }
    },
    NEG(false) {
        @Override
        public double apply(double x) {
            return -x;
        }

        @Override
        public String java(String t, String x) {
            return "-" + x;
        }
    },
    EXP(false) {
        @Override
        public double apply(double x) {
            return Math.exp(x);
        }

        @Override
        public String java(String t, String x) {
            return cast(t, "Math.exp(" + x + ")");
        }
    },
    LOG(false) {
        @Override
        public double apply(double x) {
            return Math.log(x);
        }

        @Override
        public String java(String t, String x) {
            return cast(t, "Math.log(" + x + ")");
        }
    },
    /** The base-2 logarithm, as torch.log2. */
    LOG2(false) {
        @Override
        public double apply(double x) {
            return Math.log(x) / LN2;
        }

        @Override
        public String java(String t, String x) {
            return cast(t, "(Math.log(" + x + ") / 0.6931471805599453)");
        }
    },
    /** The base-10 logarithm, as torch.log10. */
    LOG10(false) {
        @Override
        public double apply(double x) {
            return Math.log10(x);
        }

        @Override
        public String java(String t, String x) {
            return cast(t, "Math.log10(" + x + ")");
        }
    },
    SQRT(false) {
        @Override
        public double apply(double x) {
            return Math.sqrt(x);
        }

        @Override
        public String java(String t, String x) {
            return cast(t, "Math.sqrt(" + x + ")");
        }
    },
    ABS(false) {
        @Override
        public double apply(double x) {
            return Math.abs(x);
        }

        @Override
        public String java(String t, String x) {
            return "Math.abs(" + x + ")";
        }
    },
    /** −1, 0 or 1. */
    SIGN(false) {
        @Override
        public double apply(double x) {
            return Math.signum(x);
        }

        @Override
        public String java(String t, String x) {
            return "Math.signum(" + x + ")";
        }
    },
    /** The step of the course's perceptron ({@code step} in a model): 1 where x ≥ 0, else 0, torch.heaviside(x, 1). */
    HEAVISIDE(false) {
        @Override
        public double apply(double x) {
            return x >= 0 ? 1 : 0;
        }

        @Override
        public String java(String t, String x) {
            return "(" + x + " >= 0 ? 1 : 0)";
        }
    },
    ATAN(false) {
        @Override
        public double apply(double x) {
            return Math.atan(x);
        }

        @Override
        public String java(String t, String x) {
            return cast(t, "Math.atan(" + x + ")");
        }
    },
    /** max(x, 0). */
    RELU(true) {
        @Override
        public double apply(double x) {
            return Math.max(x, 0);
        }

        @Override
        public float apply(float x) {
            return Math.max(x, 0f);
        }

        @Override
        public String java(String t, String x) {
            return "Math.max(" + x + ", 0)";
        }
    },
    /** 1 / (1 + e^−x). */
    SIGMOID(true) {
        @Override
        public double apply(double x) {
            return 1.0 / (1.0 + Math.exp(-x));
        }

        @Override
        public String java(String t, String x) {
            return cast(t, "(1.0 / (1.0 + Math.exp(-" + x + ")))");
        }
    },
    TANH(true) {
        @Override
        public double apply(double x) {
            return Math.tanh(x);
        }

        @Override
        public String java(String t, String x) {
            return cast(t, "Math.tanh(" + x + ")");
        }
    };

    private static final double LN2 = 0.6931471805599453;

    private final boolean epilogue;

    Unary(boolean epilogue) {
        this.epilogue = epilogue;
    }

    /** The function's value. */
    public abstract double apply(double x);

    /** The function's value in float: the double value rounded, as the generated kernels compute it. */
    public float apply(float x) {
        return (float) apply((double) x);
    }

    /** The Java expression of the function of {@code x}, a value of type {@code t} ({@code float} or {@code double}). */
    public abstract String java(String t, String x);

    /** Whether the products' and convolutions' epilogue can apply it to the values it stores. */
    public boolean epilogue() {
        return epilogue;
    }

    /** The name a model writes, {@code sigmoid}. */
    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The function a model names ({@code relu}), or null when there is none. */
    public static Unary named(String name) {
        for (Unary u : values()) if (u.lowerName().equals(name)) return u;
        return null;
    }

    private static String cast(String t, String e) {
        return "(" + t + ") " + e;
    }
}
