using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace MultiHeadClassifier.Tests.Internal;

/// <summary>
/// Finds, in compiled IL, the places where a TorchSharp <see cref="Scalar"/> is made as a temporary that nothing keeps
/// alive while libtorch reads it. TorchSharp's <c>Scalar</c> has a finalizer that frees its native handle, and its
/// methods pass <c>scalar.Handle</c> (an <see cref="IntPtr"/>) to native code without <c>GC.KeepAlive</c>, so a
/// temporary may be finalized on the finalizer thread while the native call still uses it.
/// </summary>
/// <remarks>
/// Two kinds of site are reported:
/// <list type="bullet">
/// <item>a call to <c>Scalar.op_Implicit</c> or <c>ToScalar</c> whose result is not stored straight into a field, or into
/// a local that the method later disposes or passes to <see cref="GC.KeepAlive"/> (the <c>using var s = k.ToScalar()</c>
/// pattern);</item>
/// <item>a call to a TorchSharp method that itself makes such a temporary (found by scanning TorchSharp's own IL the
/// same way, transitively through TorchSharp's internal calls), e.g. <c>add_(Tensor)</c>, which calls
/// <c>add_(target, 1)</c>.</item>
/// </list>
/// It reads the IL the compiler produced, so it sees conversions the source does not spell out.
/// </remarks>
internal static class ScalarTemporaryScanner
{
    private const BindingFlags AllDeclared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static readonly Lazy<HashSet<(Module Module, int Token)>> HiddenTorchSharpMethods = new(FindHiddenTorchSharpMethods);

    /// <summary>One call site: the method that contains it, the IL offset, and what it calls.</summary>
    public sealed record Site(MethodBase Caller, int Offset, MethodBase Callee)
    {
        /// <inheritdoc />
        public override string ToString() =>
            $"{Caller.DeclaringType?.FullName}.{Caller.Name} at IL_{Offset:x4} calls {Callee.DeclaringType?.Name}.{Callee.Name}({string.Join(", ", Callee.GetParameters().Select(p => p.ParameterType.Name))})";
    }

    /// <summary>Every site in <paramref name="assembly"/> that makes a Scalar temporary, directly or through TorchSharp.</summary>
    public static IReadOnlyList<Site> Scan(Assembly assembly) => Scan(MethodsOf(assembly));

    /// <summary>Every site in the methods and constructors <paramref name="type"/> declares (not its nested types).</summary>
    public static IReadOnlyList<Site> Scan(Type type) => Scan(MethodsOf(type));

    /// <summary>The TorchSharp methods that make a Scalar temporary themselves, directly or through other TorchSharp methods.</summary>
    public static IReadOnlyCollection<MethodBase> HiddenScalarMethods() =>
        [.. MethodsOf(typeof(Scalar).Assembly).Where(m => HiddenTorchSharpMethods.Value.Contains(Key(m)))];

    private static IReadOnlyList<Site> Scan(IEnumerable<MethodBase> methods)
    {
        var hidden = HiddenTorchSharpMethods.Value;
        var sites = new List<Site>();
        foreach (var method in methods)
        {
            var code = Decode(method);
            for (int i = 0; i < code.Count; i++)
            {
                if (code[i].Callee is { } callee && (IsUnheldFactory(code, i) || hidden.Contains(Key(callee))))
                {
                    sites.Add(new Site(method, code[i].Offset, callee));
                }
            }
        }

        return sites;
    }

    private static HashSet<(Module, int)> FindHiddenTorchSharpMethods()
    {
        var torchSharp = typeof(Scalar).Assembly;
        var callers = new Dictionary<(Module, int), List<(Module, int)>>();
        var hidden = new HashSet<(Module, int)>();
        foreach (var method in MethodsOf(torchSharp))
        {
            var code = Decode(method);
            if (!IsScalarFactory(method) && Enumerable.Range(0, code.Count).Any(i => IsUnheldFactory(code, i)))
            {
                hidden.Add(Key(method));
            }

            foreach (var callee in code.Select(c => c.Callee).OfType<MethodBase>().Where(c => c.Module == torchSharp.ManifestModule))
            {
                if (!callers.TryGetValue(Key(callee), out var list))
                {
                    callers[Key(callee)] = list = [];
                }

                list.Add(Key(method));
            }
        }

        // Whatever calls a hidden method within TorchSharp hides one too.
        var pending = new Queue<(Module, int)>(hidden);
        while (pending.TryDequeue(out var method))
        {
            foreach (var caller in callers.GetValueOrDefault(method) ?? [])
            {
                if (hidden.Add(caller))
                {
                    pending.Enqueue(caller);
                }
            }
        }

        return hidden;
    }

    /// <summary>
    /// Whether instruction <paramref name="i"/> makes a Scalar that nothing holds: held means stored straight into a
    /// field, or into a local that the method later disposes or passes to <see cref="GC.KeepAlive"/>
    /// (<c>ldloc n</c> directly followed by such a call, as <c>using var s = k.ToScalar();</c> compiles).
    /// </summary>
    private static bool IsUnheldFactory(IReadOnlyList<Instruction> code, int i)
    {
        if (code[i].Callee is not { } callee || !IsScalarFactory(callee))
        {
            return false;
        }

        if (i + 1 >= code.Count)
        {
            return true;
        }

        var next = code[i + 1];
        if (next.OpCode == OpCodes.Stsfld || next.OpCode == OpCodes.Stfld)
        {
            return false;
        }

        if (StoredLocal(next) is not { } local)
        {
            return true;
        }

        for (int j = 0; j + 1 < code.Count; j++)
        {
            if (LoadedLocal(code[j]) == local && code[j + 1].Callee is { } after && (IsDispose(after) || IsKeepAlive(after)))
            {
                return false;
            }
        }

        return true;
    }

    private static int? StoredLocal(Instruction instruction) => instruction.OpCode.Value switch
    {
        var v when v == OpCodes.Stloc_0.Value => 0,
        var v when v == OpCodes.Stloc_1.Value => 1,
        var v when v == OpCodes.Stloc_2.Value => 2,
        var v when v == OpCodes.Stloc_3.Value => 3,
        var v when v == OpCodes.Stloc_S.Value || v == OpCodes.Stloc.Value => instruction.Operand,
        _ => null,
    };

    private static int? LoadedLocal(Instruction instruction) => instruction.OpCode.Value switch
    {
        var v when v == OpCodes.Ldloc_0.Value => 0,
        var v when v == OpCodes.Ldloc_1.Value => 1,
        var v when v == OpCodes.Ldloc_2.Value => 2,
        var v when v == OpCodes.Ldloc_3.Value => 3,
        var v when v == OpCodes.Ldloc_S.Value || v == OpCodes.Ldloc.Value => instruction.Operand,
        _ => null,
    };

    private static bool IsScalarFactory(MethodBase method) =>
        method is MethodInfo info && info.ReturnType == typeof(Scalar) && method.IsStatic
        && (method.Name == "op_Implicit" && method.DeclaringType == typeof(Scalar)
            || method.Name == nameof(ScalarExtensionMethods.ToScalar) && method.DeclaringType == typeof(ScalarExtensionMethods));

    private static bool IsDispose(MethodBase method) => method.Name == nameof(IDisposable.Dispose)
        && (method.DeclaringType == typeof(Scalar) || method.DeclaringType == typeof(IDisposable));

    private static bool IsKeepAlive(MethodBase method) => method.DeclaringType == typeof(GC) && method.Name == nameof(GC.KeepAlive);

    private static (Module, int) Key(MethodBase method) => (method.Module, method.MetadataToken);

    private static IEnumerable<MethodBase> MethodsOf(Assembly assembly)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.OfType<Type>()];
        }

        return types.SelectMany(MethodsOf);
    }

    private static IEnumerable<MethodBase> MethodsOf(Type type) =>
        type.GetMethods(AllDeclared).Cast<MethodBase>().Concat(type.GetConstructors(AllDeclared));

    /// <summary>One IL instruction: its offset, its opcode, a local index operand, and the method it calls, if any.</summary>
    private readonly record struct Instruction(int Offset, OpCode OpCode, int Operand, MethodBase? Callee);

    private static List<Instruction> Decode(MethodBase method)
    {
        var code = new List<Instruction>();
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException)
        {
            il = null;
        }

        if (il is null)
        {
            return code;
        }

        Type[] typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : [];
        Type[] methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : [];
        int position = 0;
        while (position < il.Length)
        {
            int offset = position;
            short value = il[position++];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[position++]));
            }

            var opCode = OpCodesByValue[value];
            int operandSize = opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, position),
                _ => 4,
            };
            int operand = opCode.OperandType switch
            {
                OperandType.ShortInlineVar => il[position],
                OperandType.InlineVar => BitConverter.ToUInt16(il, position),
                _ => 0,
            };
            MethodBase? callee = null;
            if (opCode.OperandType == OperandType.InlineMethod)
            {
                try
                {
                    callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, position), typeArguments, methodArguments);
                }
                catch (Exception e) when (e is ArgumentException or TypeLoadException or MissingMethodException or FileNotFoundException)
                {
                    callee = null;
                }
            }

            code.Add(new Instruction(offset, opCode, operand, callee));
            position += operandSize;
        }

        return code;
    }
}
