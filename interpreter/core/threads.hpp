#pragma once

namespace yamlnet {

// Sets the threads matrix products may use (Eigen's GEMM over OpenMP); 0 means every core (or OMP_NUM_THREADS
// when it is set). The setting is process-wide, as Eigen's and BLAS's are. Products run on one thread except
// inside a ProductThreads scope. Results are byte-identical for the same build and thread count (a product's
// blocking depends on the count, so sums may round differently across counts).
void use_threads(int threads);
// The configured thread count.
int threads_in_use();

// Lets the product computed in its scope use the configured threads when it is large enough to gain from
// them. Measured on 2 cores: a 256x64x64 product (NeuMF's layers) ran the whole training 40% slower on two
// threads than on one, the fork and join costing more than the split saves; products of a few million
// multiply-adds and more (an MLP's first layer, an LSTM's projections over all steps) gain.
class ProductThreads {
 public:
  ProductThreads(long rows, long depth, long cols);
  ~ProductThreads();
  ProductThreads(const ProductThreads&) = delete;
  ProductThreads& operator=(const ProductThreads&) = delete;

 private:
  bool parallel_;
};

}  // namespace yamlnet
