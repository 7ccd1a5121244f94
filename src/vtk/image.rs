//! ImageData.
