#!/usr/bin/perl
# Translates LeakGuard's info-type catalog into a ripgrep pattern file: one regex per info type (its
# patterns joined with |), so `make bench` compares both tools on the same shapes.
#
#   leakguard types --format json | perl bench/catalog_to_rg.pl > patterns.txt 2> notes.txt
#
# PCRE2 → Rust regex (ripgrep's engine, no look-around, no backreferences):
# - look-arounds (?<!…) (?<=…) (?!…) (?=…) are dropped, so ripgrep's set matches a superset of the
#   candidates LeakGuard's regexes match (its boundary checks, validators and context scoring have no
#   ripgrep equivalent and are not counted against it);
# - named groups (?<name>…) and atomic groups (?>…) become (?:…) (the same name may appear in several
#   patterns of one type), possessive quantifiers become greedy, an escaped punctuation character
#   (\' \# \/ …, which Rust's parser refuses) becomes \xHH;
# - \n outside a character class becomes $: ripgrep searches line by line, so a pattern spanning lines
#   (a PEM block, a Kubernetes secret) is searched up to its first line end and cannot match beyond;
# - `assignment:` patterns are expanded as src/detect/catalog.cc ExpandAssignment does;
# - `keywords:` patterns become (?i:\b(?:a|b)\b);
# - `context`-trigger patterns (searched only near a context word by LeakGuard) become
#   (?i:word1|word2)[^\n]{0,64}?REGEX, the closest single-regex equivalent.
# Output: "# TYPE" then its regex, per type. Patterns ripgrep still rejects are reported on stderr
# (bench/run.sh checks each one with rg) — the script itself only rewrites text.
use strict;
use warnings;
use JSON::PP;

binmode(STDOUT, ':encoding(UTF-8)');
binmode(STDERR, ':encoding(UTF-8)');
local $/;
my $types = JSON::PP->new->decode(<STDIN>);

# Returns the index of the parenthesis closing the group that opens at $i.
sub group_end {
  my ($re, $i) = @_;
  my $depth = 0;
  my $in_class = 0;
  for (my $k = $i; $k < length $re; ++$k) {
    my $c = substr($re, $k, 1);
    if ($c eq '\\') { ++$k; next; }
    if ($in_class) {
      $in_class = 0 if $c eq ']' && !($in_class == 1 && substr($re, $k - 1, 1) eq '[');
      $in_class = 2 if $in_class == 1;
      next;
    }
    if ($c eq '[') { $in_class = 1; next; }
    if ($c eq '(') { ++$depth; next; }
    if ($c eq ')') { --$depth; return $k if $depth == 0; }
  }
  return length($re) - 1;
}

sub translate {
  my ($re) = @_;
  my $out = '';
  my $in_class = 0;
  for (my $i = 0; $i < length $re; ++$i) {
    my $c = substr($re, $i, 1);
    if ($c eq '\\') {
      my $e = substr($re, $i + 1, 1);
      ++$i;
      if ($e =~ /[A-Za-z0-9]/) {
        $out .= ($e eq 'n' && !$in_class) ? '$' : "\\$e";
      } else {
        $out .= sprintf('\\x%02X', ord $e);
      }
      next;
    }
    if ($in_class) {
      $out .= $c;
      # "]" right after "[" or "[^" is a literal.
      $in_class = 0 if $c eq ']' && !($out =~ /\[\^?\]$/);
      next;
    }
    if ($c eq '[') {
      $in_class = 1;
      $out .= $c;
      next;
    }
    if ($c eq '(') {
      my $rest = substr($re, $i);
      if ($rest =~ /^\(\?(?:<!|<=|!|=)/) {
        $i = group_end($re, $i);
        next;
      }
      if ($rest =~ /^\(\?P?<([A-Za-z_]\w*)>/) {
        $out .= '(?:';
        $i += length($&) - 1;
        next;
      }
      if ($rest =~ /^\(\?>/) {
        $out .= '(?:';
        $i += 2;
        next;
      }
    }
    if ($c eq '+' && length($out) && $out =~ /(?:[*+?}])$/ && $out !~ /\\[*+?}]$/) {
      next;  # possessive quantifier: drop the extra "+"
    }
    $out .= $c;
  }
  return $out;
}

# Escapes a literal word for the regex: every character but [A-Za-z0-9_] as \xHH or \x{HHHH}.
sub literal {
  my ($w) = @_;
  return join '', map { /\w/a ? $_ : (ord($_) < 256 ? sprintf('\\x%02X', ord $_) : sprintf('\\x{%X}', ord $_)) } split //, $w;
}

sub expand_assignment {
  my ($kw, $value) = @_;
  return "(?i:$kw)[\\w.-]{0,20}[\\s'\"]{0,3}(?:=|>|:{1,3}=?|\\|\\|:|<=|=>|\\?=|,)[\\s'\"`=]{0,5}(?:$value)";
}

for my $t (@$types) {
  my @alts;
  for my $p (@{ $t->{patterns} }) {
    my ($id, $trigger, $body) = $p =~ /^(\S+) \[(\w+)\]: (.*)$/s or do {
      print STDERR "$t->{id}: unrecognised pattern summary: $p\n";
      next;
    };
    my $re;
    if ($body =~ /^assignment: \((.*?)\) = (.*)$/s) {
      $re = expand_assignment($1, translate($2));
    } elsif ($body =~ /^keywords: (.*)$/s) {
      $re = '(?i:\b(?:' . join('|', map { literal($_) } split /, /, $1) . ')\b)';
    } else {
      $re = translate($body);
    }
    if ($trigger eq 'context' && @{ $t->{context_words} }) {
      my $words = join '|', map { literal($_) } @{ $t->{context_words} };
      $re = "(?i:$words)[^\\n]{0,64}?(?:$re)";
    }
    push @alts, $re;
  }
  next unless @alts;
  print "# $t->{id}\n", join('|', map { "(?:$_)" } @alts), "\n";
}
