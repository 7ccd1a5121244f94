//! UnstructuredGrid and PolyData.
