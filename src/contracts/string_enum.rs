//! The platform's string enums: one macro gives each the same wire
//! behaviour (the exact Python value, `as_str`, `FromStr`, serde) so the
//! value list is written once per enum.

/// A string that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`")]
pub struct UnknownValue {
    /// Which enum was being parsed, e.g. `priority`.
    pub kind: &'static str,
    /// The rejected input, as given.
    pub value: String,
}

/// Declares a fieldless enum carried on the wire as one of a fixed set of
/// strings.
///
/// Deserializing an unknown string fails through `serde::de::Error::unknown_variant`,
/// which the path-aware decoder reports as `invalid_enum` with the field's path.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($kind:literal) {
            $( $(#[$variant_meta:meta])* $variant:ident = $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// Every wire value, in declaration order.
            pub const VALUES: &'static [&'static str] = &[$($value),+];

            /// The value exactly as the platform writes it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $value, )+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::contracts::string_enum::UnknownValue;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $( $value => Ok(Self::$variant), )+
                    _ => Err($crate::contracts::string_enum::UnknownValue {
                        kind: $kind,
                        value: value.to_owned(),
                    }),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct WireValue;

                impl ::serde::de::Visitor<'_> for WireValue {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "a {} string", $kind)
                    }

                    fn visit_str<E: ::serde::de::Error>(self, value: &str) -> Result<$name, E> {
                        value
                            .parse()
                            .map_err(|_| E::unknown_variant(value, $name::VALUES))
                    }
                }

                deserializer.deserialize_str(WireValue)
            }
        }
    };
}

pub(crate) use string_enum;
