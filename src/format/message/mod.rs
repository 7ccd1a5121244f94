//! Object header messages.
pub mod attribute;
pub mod attribute_info;
pub mod dataspace;
pub mod datatype;
pub mod fill_value;
pub mod filter_pipeline;
pub mod group_info;
pub mod layout;
pub mod link;
pub mod link_info;
pub mod shared;
pub mod symbol_table;
