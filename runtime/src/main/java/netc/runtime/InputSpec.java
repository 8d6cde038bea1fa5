package netc.runtime;

/**
 * A model input as data sources see it: its name, whether it holds class indices (int) or values (float),
 * and the shape of one sample (the input's declared shape without its leading batch dimension).
 */
public record InputSpec(String name, boolean isInt, int[] sampleShape) {
    public int sampleSize() {
        return (int) Tensor.numel(sampleShape);
    }
}
