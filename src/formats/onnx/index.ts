// The ONNX format: import a model file or bytes into a Graph, export a Graph (or subgraph) as a model.
export { importOnnxBytes, importOnnxFile, type ImportOnnxOptions } from './import.js';
export { exportOnnx, exportOnnxFile, type ExportOnnxOptions } from './export.js';
